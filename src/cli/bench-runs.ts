/**
 * `npm run bench:runs`: what does a page of `GET /runs` cost, through the whole app and at any size?
 *
 * 1. Seeds 10,000 runs × 10 phases (set-based SQL) into a fresh embedded PostgreSQL and measures with
 *    autocannon `GET /runs?limit=100` through the whole app (authenticated: guard, rate limiter,
 *    validation, service, serialisation) against a bare `node:http` server that runs the very same two SQL
 *    statements on the same connection pool, alternating app and bare for BENCH_ROUNDS rounds.
 * 2. Times single pages (one request at a time) at 10,000 runs: the first page, the deepest page by
 *    cursor, the deepest offset accepted (10,000) and the one beyond it (must be a 400).
 * 3. Grows the table to BENCH_SCALE_RUNS (default 1,000,000) older runs, same shape, and times the same
 *    pages plus the page 5,000 pages deep (row 499,901 on, by cursor).
 * Never part of the test suite.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { cappedTotal, encodeCursor, pageOf } from '../http/keyset-page';
import { RUN_LIST_ORDER, runListCountQuery, runListPageQuery } from '../runs/run-list.query';
import type { RunListRow } from '../runs/run-list.query';
import {
  BENCH_API_KEY,
  fmt,
  loadAverage,
  loadBeforeAfter,
  machineLine,
  measure,
  percentile,
  runBench,
  startBenchApp,
  startBenchDatabase,
} from './bench-harness';
import type { Measurement } from './bench-harness';

const RUNS = 10_000;
const SCALE_RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 1_000_000);
const PHASES_PER_RUN = 10;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PAGE_SAMPLES = Number(process.env.BENCH_PAGE_SAMPLES ?? 40);
const PATH = '/runs?limit=100';

/** Runs `from..to` (newest first by number), one tier and 10 phases each, 259.2 s apart (10,000 in 30 days). */
async function seed(client: Client, from: number, to: number): Promise<void> {
  await client.query(
    `INSERT INTO runs (id, owner_principal_id, state, safety_profile, run_scope, token_cap, max_phases,
                       max_duration_minutes, tokens_used, start_request_sha256, created_at, started_at)
     SELECT 'bench-' || lpad(g::text, 7, '0'), 'apikey:instance',
            (ARRAY['RUN_CREATED','PHASE_EXECUTION','DONE_SUCCESS'])[1 + g % 3], 'normal', 'multi_tier',
            5000000, 25, 120, g * 10, repeat('0', 64),
            now() - make_interval(secs => g * 259.2), now() - make_interval(secs => g * 259.2)
     FROM generate_series($1::int, $2::int) AS g`,
    [from, to],
  );
  await client.query(
    `INSERT INTO run_tiers (run_id, tier_id, tier_index, name, state)
     SELECT 'bench-' || lpad(g::text, 7, '0'), 'T1', 0, 'Tier 1', 'IN_PROGRESS'
     FROM generate_series($1::int, $2::int) AS g`,
    [from, to],
  );
  await client.query(
    `INSERT INTO run_phases (run_id, phase_id, tier_id, phase_index, name, state)
     SELECT 'bench-' || lpad(g::text, 7, '0'), 'P' || p, 'T1', p, 'Phase ' || p,
            (ARRAY['QUEUED','EXECUTING','COMPLETE','FAILED','SKIPPED'])[1 + (g + p) % 5]
     FROM generate_series($1::int, $2::int) AS g, generate_series(1, $3::int) AS p`,
    [from, to, PHASES_PER_RUN],
  );
  // As autovacuum would have by now: statistics, and a visibility map for index-only counts. The checkpoint
  // writes the seed out now, not under whichever server is measured first.
  await client.query('VACUUM ANALYZE');
  await client.query('CHECKPOINT');
}

/** The cursor a client holds after reading `depth` runs (the position of the depth-th run). */
async function cursorAtDepth(client: Client, depth: number): Promise<string> {
  const { rows } = await client.query<{ id: string; key: string }>(
    `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS key
     FROM runs ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
    [depth - 1],
  );
  return encodeCursor(RUN_LIST_ORDER, { key: rows[0].key, id: rows[0].id });
}

interface PageTiming {
  name: string;
  status: number;
  p50: number;
  p95: number;
}

/** One request at a time through the whole app: `samples` after 5 warm-ups. */
async function timePage(name: string, url: string, expectStatus: number): Promise<PageTiming> {
  const headers = { 'X-API-Key': BENCH_API_KEY };
  let status = 0;
  for (let i = 0; i < 5; i++) await (await fetch(url, { headers })).arrayBuffer();
  const samples: number[] = [];
  for (let i = 0; i < PAGE_SAMPLES; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    samples.push(performance.now() - started);
    status = res.status;
  }
  if (status !== expectStatus) throw new Error(`${name}: expected ${expectStatus}, got ${status}`);
  return { name, status, p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

async function timePages(base: string, client: Client, size: number): Promise<PageTiming[]> {
  const timings = [
    await timePage(`first page (${PATH})`, `${base}${PATH}`, 200),
    await timePage(
      `deepest page of 10,000 by cursor (rows 9,901–10,000)`,
      `${base}${PATH}&cursor=${await cursorAtDepth(client, 9_900)}`,
      200,
    ),
    await timePage(`offset=10000 (deepest offset accepted)`, `${base}${PATH}&offset=10000`, 200),
    await timePage(`offset=10001 (refused: use cursor)`, `${base}${PATH}&offset=10001`, 400),
  ];
  if (size >= 500_100) {
    timings.splice(
      2,
      0,
      await timePage(
        `5,000 pages deep by cursor (rows 499,901–500,000)`,
        `${base}${PATH}&cursor=${await cursorAtDepth(client, 499_900)}`,
        200,
      ),
    );
  }
  return timings;
}

async function checkAnswer(base: string, total: number, exact: boolean): Promise<void> {
  const res = await fetch(`${base}${PATH}`, { headers: { 'X-API-Key': BENCH_API_KEY } });
  const body = (await res.json()) as {
    runs: unknown[];
    total: number;
    total_exact: boolean;
    next_cursor: string;
  };
  if (res.status !== 200 || body.runs.length !== 100 || body.total !== total || body.total_exact !== exact) {
    throw new Error(`unexpected app answer: ${res.status}, ${body.runs?.length} runs, total ${body.total}`);
  }
}

async function main(): Promise<void> {
  const database = await startBenchDatabase('runs');
  const client = new Client({ connectionString: database.url });
  try {
    const { app, url: appUrl } = await startBenchApp(database);
    await client.connect();

    process.stdout.write(`seeding ${RUNS} runs × ${PHASES_PER_RUN} phases... `);
    let started = Date.now();
    await seed(client, 1, RUNS);
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);

    // The floor: the same SQL on the same pool, the same page cut, with no framework in between.
    const dataSource = app.get(DataSource);
    const filter = { owner: null, limit: 100, offset: 0 };
    const page = runListPageQuery(filter);
    const count = runListCountQuery(filter);
    const bare = createServer((_req, res) => {
      Promise.all([
        dataSource.query<RunListRow[]>(page.sql, page.params),
        dataSource.query<Array<{ total: number }>>(count.sql, count.params),
      ])
        .then(([rows, totals]) => {
          const { items, next_cursor } = pageOf(RUN_LIST_ORDER, rows, 100, (r) => ({
            key: r.keyset_key,
            id: r.id,
          }));
          const body = JSON.stringify({
            runs: items,
            ...cappedTotal(totals[0].total),
            limit: 100,
            offset: 0,
            next_cursor,
          });
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        })
        .catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    await checkAnswer(appUrl, RUNS, true);

    console.log(`\n## App vs bare server, ${RUNS} runs\n${machineLine()}`);
    console.log(
      `${CONNECTIONS} connections, ${DURATION_SECONDS} s each after a 3 s warm-up, ${ROUNDS} rounds alternating after one unrecorded pass over both\n`,
    );
    const loadBefore = loadAverage();
    const apps: Measurement[] = [];
    const bares: Measurement[] = [];
    const options = { connections: CONNECTIONS, durationSeconds: DURATION_SECONDS };
    // One unrecorded pass over both first (JIT, plan caches, the pool's connections), so round 1 of the app
    // does not pay for what the bare server then finds warm.
    await measure('warm-up', `${appUrl}${PATH}`, { ...options, headers: { 'X-API-Key': BENCH_API_KEY } });
    await measure('warm-up', `${bareUrl}${PATH}`, options);
    for (let round = 1; round <= ROUNDS; round++) {
      apps.push(
        await measure(`whole app (${PATH}, X-API-Key), round ${round}`, `${appUrl}${PATH}`, {
          ...options,
          headers: { 'X-API-Key': BENCH_API_KEY },
        }),
      );
      bares.push(
        await measure(`bare node:http, same SQL, same pool, round ${round}`, `${bareUrl}${PATH}`, options),
      );
    }
    console.log('| server | requests/s | p50 (ms) | p99 (ms) | errors | non-2xx |');
    console.log('|---|---|---|---|---|---|');
    for (const r of [...apps, ...bares]) {
      console.log(
        `| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`,
      );
    }
    const mean = (ms: Measurement[], f: (m: Measurement) => number) =>
      ms.reduce((s, m) => s + f(m), 0) / ms.length;
    const ratio = mean(apps, (m) => m.requestsPerSecond) / mean(bares, (m) => m.requestsPerSecond);
    const p99Ratio = mean(apps, (m) => m.p99) / mean(bares, (m) => m.p99);
    console.log(
      `\napp / bare throughput: ${(ratio * 100).toFixed(1)}% (goal ≥ 85%); app p99 / bare p99: ${p99Ratio.toFixed(2)} (goal ≤ 1.5)`,
    );
    console.log(loadBeforeAfter(loadBefore));
    await new Promise<void>((resolve) => bare.close(() => resolve()));

    const small = await timePages(appUrl, client, RUNS);

    process.stdout.write(`\ngrowing to ${SCALE_RUNS} runs × ${PHASES_PER_RUN} phases (older runs)... `);
    started = Date.now();
    await seed(client, RUNS + 1, SCALE_RUNS);
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
    await checkAnswer(appUrl, 10_000, SCALE_RUNS <= 10_000);
    const large = await timePages(appUrl, client, SCALE_RUNS);

    console.log(
      `\n## Single pages, one request at a time (${PAGE_SAMPLES} samples after 5 warm-ups)\n${machineLine()}\n`,
    );
    console.log(
      `| page | ${RUNS} runs p50 / p95 (ms) | ${SCALE_RUNS} runs p50 / p95 (ms) | ratio of p50 (goal ≤ 1.5) |`,
    );
    console.log('|---|---|---|---|');
    for (const timing of large) {
      const same = small.find((s) => s.name === timing.name);
      const base = same ?? small[0];
      const label = same ? '' : ' (vs the first page at 10k)';
      console.log(
        `| ${timing.name} | ${same ? `${fmt(same.p50)} / ${fmt(same.p95)}` : '—'} | ${fmt(timing.p50)} / ${fmt(timing.p95)} | ${(timing.p50 / base.p50).toFixed(2)}${label} |`,
      );
    }
    await app.close();
  } finally {
    await client.end().catch(() => undefined);
    await database.stop();
  }
}

runBench('bench:runs', main);
