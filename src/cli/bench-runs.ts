/**
 * `npm run bench:runs`: how much does the whole app cost on top of its SQL?
 *
 * Seeds 10,000 runs × 10 phases into a fresh embedded PostgreSQL, then measures with autocannon
 * `GET /runs?limit=100` through the whole app (authenticated: guard, rate limiter, validation, service,
 * serialisation) and a bare `node:http` server that runs the very same two SQL statements on the same
 * connection pool. Prints requests/s, p50 and p99 for both and the ratio. Never part of the test suite.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/load-config';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { configureHttp, NEST_APP_OPTIONS } from '../http/configure-http';
import { runListCountQuery, runListPageQuery } from '../runs/run-list.query';

const RUNS = 10_000;
const PHASES_PER_RUN = 10;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 15);
const API_KEY = 'bench-instance-key-0123456789abcdef';
const PATH = '/runs?limit=100';

async function seed(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // Spread over 30 days so the page is a real "newest 100 of 10,000"; states varied as in real use.
    await client.query(
      `INSERT INTO runs (id, owner_principal_id, state, safety_profile, run_scope, token_cap, max_phases,
                         max_duration_minutes, tokens_used, start_request_sha256, created_at, started_at)
       SELECT 'bench-' || lpad(g::text, 5, '0'), 'apikey:instance',
              (ARRAY['RUN_CREATED','PHASE_EXECUTION','DONE_SUCCESS'])[1 + g % 3], 'normal', 'multi_tier',
              5000000, 25, 120, g * 10, repeat('0', 64),
              now() - make_interval(secs => g * 259.2), now() - make_interval(secs => g * 259.2)
       FROM generate_series(1, $1) AS g`,
      [RUNS],
    );
    await client.query(
      `INSERT INTO run_tiers (run_id, tier_id, tier_index, name, state)
       SELECT 'bench-' || lpad(g::text, 5, '0'), 'T1', 0, 'Tier 1', 'IN_PROGRESS' FROM generate_series(1, $1) AS g`,
      [RUNS],
    );
    await client.query(
      `INSERT INTO run_phases (run_id, phase_id, tier_id, phase_index, name, state)
       SELECT 'bench-' || lpad(g::text, 5, '0'), 'P' || p, 'T1', p, 'Phase ' || p,
              (ARRAY['QUEUED','EXECUTING','COMPLETE','FAILED','SKIPPED'])[1 + (g + p) % 5]
       FROM generate_series(1, $1) AS g, generate_series(1, $2) AS p`,
      [RUNS, PHASES_PER_RUN],
    );
    // As autovacuum would have by now: statistics, and a visibility map for index-only counts.
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function measure(name: string, url: string, headers: Record<string, string>): Promise<Measurement> {
  // Warm up (JIT, pool, plan cache) before measuring.
  // The load generator runs in its own thread so it does not share the servers' event loop.
  const options = { url, connections: CONNECTIONS, headers, workers: 1 };
  await autocannon({ ...options, duration: 3 });
  const result = await autocannon({ ...options, duration: DURATION_SECONDS });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const parent = mkdtempSync(join(tmpdir(), 'autopack-bench-pg-'));
  chmodSync(parent, 0o755);
  const database = await startEmbeddedPostgres({
    dataDir: join(parent, 'postgres'),
    port: 54450,
    databaseName: 'bench',
  });
  try {
    const config = loadConfig({
      AUTOPACK_ENV: 'test',
      AUTOPACK_API_KEY: API_KEY,
      DATABASE_URL: database.url,
      AUTOPACK_DATA_DIR: join(parent, 'data'),
      LOG_LEVEL: 'silent',
      // The benchmark measures the app's cost, not its rate limiter saying no.
      AUTOPACK_RATE_LIMIT_PER_MINUTE: '1000000',
    });
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
      ...NEST_APP_OPTIONS,
      logger: false,
    });
    configureHttp(app, config);
    await app.listen(0, '127.0.0.1');
    const appPort = (app.getHttpServer().address() as AddressInfo).port;

    process.stdout.write(`seeding ${RUNS} runs × ${PHASES_PER_RUN} phases... `);
    const seeded = Date.now();
    await seed(database.url);
    console.log(`${((Date.now() - seeded) / 1000).toFixed(1)} s`);

    // The floor: the same SQL on the same pool, with no framework in between.
    const dataSource = app.get(DataSource);
    const filter = { owner: null, limit: 100, offset: 0 };
    const page = runListPageQuery(filter);
    const count = runListCountQuery(filter);
    const bare = createServer((_req, res) => {
      Promise.all([dataSource.query(page.sql, page.params), dataSource.query(count.sql, count.params)])
        .then(([runs, totals]: [unknown[], Array<{ total: number }>]) => {
          const body = JSON.stringify({ runs, total: totals[0].total, limit: 100, offset: 0 });
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        })
        .catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const barePort = (bare.address() as AddressInfo).port;

    const check = await fetch(`http://127.0.0.1:${appPort}${PATH}`, { headers: { 'X-API-Key': API_KEY } });
    const checked = (await check.json()) as { runs: unknown[]; total: number };
    if (check.status !== 200 || checked.runs.length !== 100 || checked.total !== RUNS) {
      throw new Error(
        `unexpected app answer: ${check.status}, ${checked.runs?.length} runs, total ${checked.total}`,
      );
    }

    // The machine may be shared: the load average tells how much to trust the numbers.
    const loadBefore = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const results = [
      await measure('whole app (GET /runs?limit=100, X-API-Key)', `http://127.0.0.1:${appPort}${PATH}`, {
        'X-API-Key': API_KEY,
      }),
      await measure('bare node:http, same SQL, same pool', `http://127.0.0.1:${barePort}${PATH}`, {}),
    ];
    const [whole, floor] = results;

    console.log(
      `\nmachine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`,
    );
    console.log(
      `load average before/after: ${loadBefore} / ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(`${CONNECTIONS} connections, ${DURATION_SECONDS} s each after a 3 s warm-up\n`);
    console.log('| server | requests/s | p50 (ms) | p99 (ms) | errors | non-2xx |');
    console.log('|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`,
      );
    }
    const ratio = whole.requestsPerSecond / floor.requestsPerSecond;
    console.log(
      `\napp / bare throughput: ${(ratio * 100).toFixed(1)}% (target ≥ 70%); app p99 ${whole.p99} ms (target < 50 ms)`,
    );

    await new Promise<void>((resolve) => bare.close(() => resolve()));
    await app.close();
  } finally {
    await database.stop();
    rmSync(parent, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:runs: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
