import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Set by the global setup: a URL of the test cluster's maintenance database. */
export const TEST_ADMIN_URL_VAR = 'AUTOPACK_TEST_ADMIN_URL';

function adminUrl(): string {
  const url = process.env[TEST_ADMIN_URL_VAR];
  if (!url) throw new Error('the test database cluster is not running (see test/global-setup.ts)');
  return url;
}

/** Runs SQL on the cluster's maintenance database (CREATE/ALTER DATABASE and the like). */
export async function adminQuery(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the test cluster; its URL. */
export async function createTestDatabase(): Promise<{ url: string; name: string }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

/** Makes a database refuse every connection and drops the open ones: "the database is down". */
export async function cutOffDatabase(name: string): Promise<void> {
  await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
  await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
}

export async function restoreDatabase(name: string): Promise<void> {
  await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
}
