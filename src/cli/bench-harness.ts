/**
 * What every `npm run bench:*` script needs and none should restate: a throw-away embedded PostgreSQL, the
 * whole app on it (the production HTTP setup, rate limits raised out of the way; once per replica, or as
 * the environment of the built server in its own process), an executor's API key, an autocannon
 * measurement in its own thread, and the machine line (CPUs, memory, load average) every figure in
 * docs/PERFORMANCE.md is printed with. Never part of the test suite.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import { ApiKeysService } from '../auth/api-keys/api-keys.service';
import type { ApiScope } from '../auth/principal';
import type { User } from '../auth/users/user.entity';
import { userPrincipal } from '../auth/users/user.authenticator';
import { UsersService } from '../auth/users/users.service';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/load-config';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { configureHttp, NEST_APP_OPTIONS } from '../http/configure-http';

export const BENCH_API_KEY = 'bench-instance-key-0123456789abcdef';
const BENCH_CREDENTIALS_KEY = randomBytes(32).toString('base64');

export interface BenchDatabase {
  url: string;
  /** Stops PostgreSQL and removes its directory. */
  stop(): Promise<void>;
  /** A fresh directory beside the database, removed with it. */
  dir: string;
}

/** A TCP port free on 127.0.0.1 right now (what the OS hands out for port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startBenchDatabase(name: string): Promise<BenchDatabase> {
  // A free port, so two benchmarks (or a benchmark and the tests) can run side by side.
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `autopack-bench-${name}-`));
  chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({
    dataDir: join(dir, 'postgres'),
    port,
    databaseName: 'bench',
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: database.url,
    dir,
    stop: async () => {
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BenchApp {
  app: NestExpressApplication;
  config: AppConfig;
  port: number;
  url: string;
}

/**
 * The environment the app runs with on `database`, `env` on top: for startBenchApp, or for a bench that
 * starts the built server as its own process.
 */
export function benchAppEnv(
  database: BenchDatabase,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    AUTOPACK_ENV: 'test',
    AUTOPACK_API_KEY: BENCH_API_KEY,
    DATABASE_URL: database.url,
    AUTOPACK_DATA_DIR: join(database.dir, 'data'),
    LOG_LEVEL: 'silent',
    // One key per process, so that every app a bench starts on the database can read what another sealed.
    AUTOPACK_CREDENTIALS_KEY: BENCH_CREDENTIALS_KEY,
    // A benchmark measures the app's cost, not its rate limiter saying no (it still counts every request).
    AUTOPACK_RATE_LIMIT_PER_MINUTE: '1000000',
    AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '1000000',
    ...env,
  };
}

/**
 * The whole app on `database` (benchAppEnv), listening on loopback, with the instance key BENCH_API_KEY.
 * Call it again for another replica on the same database.
 */
export async function startBenchApp(
  database: BenchDatabase,
  env: Record<string, string> = {},
): Promise<BenchApp> {
  const config = loadConfig(benchAppEnv(database, env));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    ...NEST_APP_OPTIONS,
    logger: false,
  });
  configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, config, port, url: `http://127.0.0.1:${port}` };
}

/** An admin user and an API key it issued with `scopes`: an executor's key, set up as an operator would. */
export async function createBenchApiKey(
  app: NestExpressApplication,
  scopes: ApiScope[],
): Promise<{ admin: User; key: string }> {
  const admin = await app
    .get(UsersService)
    .create({ username: 'bench-admin', password: randomUUID(), role: 'admin' });
  const { key } = await app
    .get(ApiKeysService)
    .create({ name: 'bench-executor', scopes }, userPrincipal(admin));
  return { admin, key };
}

export interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * autocannon against `url` after a 3 s warm-up (JIT, pool, plan cache). The load generator runs in its own
 * thread so it does not share the servers' event loop.
 */
export async function measure(
  name: string,
  url: string,
  options: { connections: number; durationSeconds: number; headers?: Record<string, string> },
): Promise<Measurement> {
  const base = { url, connections: options.connections, headers: options.headers ?? {}, workers: 1 };
  await autocannon({ ...base, duration: 3 });
  const result = await autocannon({ ...base, duration: options.durationSeconds });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** CPUs, memory and Node: the line for a bench that prints the load average before and after itself. */
export function machineSpec(): string {
  return `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;
}

export function machineLine(): string {
  return `${machineSpec()}; load average now ${loadAverage()}`;
}

/** `before` is loadAverage() taken when the measurement began. */
export const loadBeforeAfter = (before: string) => `load average before/after: ${before} / ${loadAverage()}`;

/** p-th percentile (0–100) of samples, nearest rank. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const fmt = (ms: number) => ms.toFixed(1);

export function runBench(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(`${name}: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  });
}
