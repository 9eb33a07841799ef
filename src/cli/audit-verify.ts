import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../audit/audit-chain.verifier';
import { loadConfig } from '../config/load-config';
import { dataSourceOptions } from '../database/data-source-options';
import { openDatabase } from '../database/open-database';

/**
 * `npm run audit:verify`: walks the audit hash chain of DATABASE_URL (or, in development, the embedded
 * PostgreSQL). Exit 0 with the count when intact; 1 naming the first missing or broken link; 2 when the
 * chain could not be read at all.
 */
async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const database = await openDatabase(config, (line) => console.error(line));
  const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  try {
    if (await dataSource.showMigrations()) {
      throw new Error('the database has pending migrations: start the app once or run "npm run migration:run"');
    }
    const started = process.hrtime.bigint();
    const result = await verifyAuditChain(dataSource);
    const seconds = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(2);
    if (result.intact) {
      console.log(
        `audit chain intact: ${result.count} events verified in ${seconds} s (head ${result.headHash})`,
      );
      return 0;
    }
    console.error(`audit chain BROKEN at position ${result.position}: ${result.message}`);
    console.error(`${result.count} events before it verified`);
    return 1;
  } finally {
    await dataSource.destroy();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `audit:verify could not read the chain: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
    process.exit(2);
  },
);
