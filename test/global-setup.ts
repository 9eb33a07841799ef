import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { TEST_ADMIN_URL_VAR } from './helpers/database';
import { TEST_LOG_DIR_VAR } from './helpers/secrets';

declare global {
  var __AUTOPACK_TEST_PG__: { stop(): Promise<void> } | undefined;
}

/**
 * Starts one embedded PostgreSQL for the whole run, unless TEST_DATABASE_URL points at another one, and
 * opens the directory where the run's logs are captured.
 */
export default async function globalSetup(): Promise<void> {
  // Every test app logs here (test/helpers/app.ts); test/global-teardown.ts scans it for secrets.
  process.env[TEST_LOG_DIR_VAR] ??= mkdtempSync(join(tmpdir(), 'autopack-test-logs-'));
  if (process.env.TEST_DATABASE_URL) {
    process.env[TEST_ADMIN_URL_VAR] = process.env.TEST_DATABASE_URL;
    return;
  }
  // Under /tmp, opened to others, so that the postgres system user can reach it when tests run as root.
  const parent = mkdtempSync(join(tmpdir(), 'autopack-test-pg-'));
  chmodSync(parent, 0o755);
  const dataDir = join(parent, 'postgres');
  const database = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    databaseName: 'autopack_test',
  });
  process.env[TEST_ADMIN_URL_VAR] = database.adminUrl;
  globalThis.__AUTOPACK_TEST_PG__ = database;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
