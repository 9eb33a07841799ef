import 'reflect-metadata';
import { loadConfig } from '../config/load-config';
import { openDatabase } from '../database/open-database';
import { auditVerifyCommand, EXIT_UNREADABLE } from './audit-verify-command';

/** `npm run audit:verify` against DATABASE_URL or, in development, the embedded PostgreSQL. */
async function main(): Promise<number> {
  const database = await openDatabase(loadConfig(process.env), (line) => console.error(line));
  try {
    return await auditVerifyCommand(database.url, console);
  } finally {
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `audit:verify could not read the chain: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
    process.exit(EXIT_UNREADABLE);
  },
);
