import { join } from 'node:path';
import { Client } from 'pg';
import { AppConfig, maskUrl } from '../config/app-config';
import { DatabaseStartError } from './database-start-error';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface OpenedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
  /** Without waiting: the embedded PostgreSQL is told to stop and finishes after this process exits. */
  stopNowInBackground(): void;
}

/**
 * The database this process uses: `DATABASE_URL` when set; otherwise (never in production) the embedded
 * PostgreSQL, with its data kept in the data directory. Either way it is checked to answer before use.
 */
export async function openDatabase(config: AppConfig, log: (line: string) => void): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    await waitUntilReachable(config.databaseUrl, config.databaseStartTimeoutSeconds * 1000, log);
    return {
      url: config.databaseUrl,
      embedded: false,
      stop: async () => undefined,
      stopNowInBackground: () => undefined,
    };
  }
  if (config.isProduction) {
    throw new DatabaseStartError(
      'production requires DATABASE_URL; the embedded database is for development only',
    );
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: join(config.dataDir, 'postgres'),
    port: config.embeddedPostgresPort,
    databaseName: 'autopack',
    onLog: log,
    onServerLog: (line) => {
      // Only what an operator must see; connections closed by a shutdown are expected.
      if (/\b(PANIC|FATAL):/.test(line) && !/administrator command/.test(line)) log(line);
    },
  });
  return {
    url: embedded.url,
    embedded: true,
    stop: embedded.stop,
    stopNowInBackground: embedded.stopNowInBackground,
  };
}

/**
 * Retries, with a backoff from 250 ms up to 5 s, until the database answers or `timeoutMs` has passed:
 * compose starts PostgreSQL and the app together, and PostgreSQL takes a few seconds to accept
 * connections (longer on its first start). The last failure is the one reported.
 */
export async function waitUntilReachable(
  url: string,
  timeoutMs: number,
  log: (line: string) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await assertReachable(url);
    } catch (error) {
      const left = deadline - Date.now();
      if (left <= 0) throw error;
      log(`${(error as Error).message}; retrying for up to ${Math.ceil(left / 1000)} s more`);
      await sleep(Math.min(delay, left));
    }
  }
}

async function assertReachable(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A server that goes away mid-probe (PostgreSQL's first start restarts it after initdb) also emits
  // 'error' on the client; unheard, that event would end the process. The promises below carry it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0];
    throw new DatabaseStartError(
      `cannot reach the database at ${maskUrl(url)} (${reason}); check DATABASE_URL and that PostgreSQL is running`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
