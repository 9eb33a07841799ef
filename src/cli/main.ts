import 'reflect-metadata';
import { ConfigError } from '../config/config-error';
import { loadConfig } from '../config/load-config';
import { openDatabase } from '../database/open-database';
import { UsageError, usersCreate, USERS_CREATE_USAGE } from './users-create';

/** Operator commands (`npm run cli -- <command>`), against DATABASE_URL or, in development, the embedded PostgreSQL. */
async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  switch (command) {
    case 'users:create':
      return usersCreate(args, io, () =>
        openDatabase(loadConfig(process.env), (line) => console.error(line)),
      );
    default:
      throw new UsageError(`commands:\n  ${USERS_CREATE_USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  // Expected failures (usage, configuration, a taken username) print their message; anything else is a bug.
  const expected =
    error instanceof UsageError ||
    error instanceof ConfigError ||
    typeof (error as { status?: unknown }).status === 'number';
  process.stderr.write(expected ? `${message}\n` : `failed: ${message.split('\n')[0]}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
