import { AuditService } from '../audit/audit.service';
import { systemAuditContext } from '../audit/audit-context';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { USER_ROLES } from '../auth/principal';
import type { UserRole } from '../auth/principal';
import { RegisterDto } from '../auth/users/dto/user.dto';
import { PasswordHasher } from '../auth/users/password-hasher';
import { UsersService } from '../auth/users/users.service';
import { dataSourceOptions } from '../database/data-source-options';
import { runPendingMigrations } from '../database/migrate';
import { readPassword } from './read-password';

export const USERS_CREATE_USAGE = `usage: npm run cli -- users:create --username NAME [--role viewer|operator|admin]
  The password is read from standard input (piped, or typed with echo off), never from the command line.`;

/** A mistake in how the command was called: the message says what to change. */
export class UsageError extends Error {}

/** Opens the database to work on (main.ts: DATABASE_URL or the embedded PostgreSQL). */
export type OpenDatabase = () => Promise<{ url: string; stop(): Promise<void> }>;

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/**
 * `users:create`: how the first admin comes to exist (registration is closed in production).
 * The password follows the same rules as registration, so the CLI cannot create a user the API refuses.
 */
export async function usersCreate(args: string[], io: CliIo, openDatabase: OpenDatabase): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      role: { type: 'string', default: 'viewer' },
      password: { type: 'string' },
    },
    strict: true,
  });
  if (values.password !== undefined) {
    throw new UsageError('--password is not accepted: pipe the password to standard input instead');
  }
  if (values.username === undefined) throw new UsageError(USERS_CREATE_USAGE);
  if (!USER_ROLES.includes(values.role as UserRole)) {
    throw new UsageError(`--role must be one of ${USER_ROLES.join(', ')}`);
  }
  const password = await readPassword(`Password for ${values.username}: `, io.stdin, io.stderr);
  const input = plainToInstance(RegisterDto, { username: values.username, password });
  const errors = validateSync(input);
  if (errors.length > 0) {
    throw new UsageError(Object.values(errors[0].constraints ?? {})[0] ?? `${errors[0].property} is invalid`);
  }

  const database = await openDatabase();
  const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  try {
    await runPendingMigrations(dataSource);
    const users = new UsersService(dataSource, new PasswordHasher(), new AuditService());
    const user = await users.create(
      {
        username: input.username,
        password: input.password,
        role: values.role as UserRole,
      },
      systemAuditContext('cli:users:create'),
    );
    io.stdout.write(`created user "${user.username}" (role ${user.role}, id ${user.id})\n`);
  } finally {
    await dataSource.destroy();
    await database.stop();
  }
}
