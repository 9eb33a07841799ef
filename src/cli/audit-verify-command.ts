import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../audit/audit-chain.verifier';
import { dataSourceOptions } from '../database/data-source-options';

export interface CommandOutput {
  log(line: string): void;
  error(line: string): void;
}

export const EXIT_INTACT = 0;
export const EXIT_BROKEN = 1;
export const EXIT_UNREADABLE = 2;

/**
 * The body of `npm run audit:verify` for one database: prints the count when the chain is intact (exit 0),
 * else the first missing or broken link (exit 1); 2 when the chain cannot be read at all. The entry point
 * (audit-verify.ts) only finds the database; tests run this in-process.
 */
export async function auditVerifyCommand(databaseUrl: string, out: CommandOutput): Promise<number> {
  let dataSource: DataSource | undefined;
  try {
    dataSource = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
    if (await dataSource.showMigrations()) {
      throw new Error(
        'the database has pending migrations: start the app once or run "npm run migration:run"',
      );
    }
    const started = process.hrtime.bigint();
    const result = await verifyAuditChain(dataSource);
    const seconds = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(2);
    if (result.intact) {
      out.log(
        `audit chain intact: ${result.count} events verified in ${seconds} s (head ${result.headHash})`,
      );
      return EXIT_INTACT;
    }
    out.error(`audit chain BROKEN at position ${result.position}: ${result.message}`);
    out.error(`${result.count} events before it verified`);
    return EXIT_BROKEN;
  } catch (error) {
    out.error(`audit:verify could not read the chain: ${firstLine(error)}`);
    return EXIT_UNREADABLE;
  } finally {
    await dataSource?.destroy().catch(() => undefined);
  }
}

/** Driver errors can carry the SQL or a connection string on later lines; the first line says enough. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
