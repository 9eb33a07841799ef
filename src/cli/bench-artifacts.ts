/**
 * `npm run bench:artifacts`: does a capped artifact read cost the same whatever the file's size, and does
 * the server's memory stay flat over many of them?
 *
 * Starts the built server (`node dist/main.js`) as a child process on a fresh embedded PostgreSQL, starts a
 * run, writes a 1 MiB file and a 1 GiB sparse file (`truncate`) of zeros into its artifact directory,
 * then, one request at a time:
 *  1. latency of capped reads (default 1 MiB cap) of each file, interleaved, without and with `?redact=true`
 *     → the 1 GiB / 1 MiB ratio of medians (target ≤ 2);
 *  2. the server's RSS (`/proc/<pid>/status` VmRSS) before and after 100 sequential capped reads of the
 *     1 GiB file, after a warm-up (target: growth < 32 MiB).
 * Never part of the test suite.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/load-config';
import {
  BENCH_API_KEY,
  benchAppEnv,
  fmt,
  loadAverage,
  loadBeforeAfter,
  machineSpec,
  percentile,
  runBench,
  freePort,
  startBenchDatabase,
} from './bench-harness';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const RSS_READS = 100;

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (Date.now() - started > 180_000) throw new Error('server did not become healthy in time');
    try {
      if ((await fetch(`${base}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error('VmRSS not found');
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

/** One capped read; checks the answer and returns its latency in ms. */
async function timedRead(base: string, runId: string, path: string, query = ''): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await fetch(`${base}/runs/${runId}/artifacts/file?path=${path}${query}`, {
    headers: { 'X-API-Key': BENCH_API_KEY },
  });
  const body = Buffer.from(await res.arrayBuffer());
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 200 || body.length !== MIB) {
    throw new Error(`unexpected answer for ${path}${query}: ${res.status}, ${body.length} bytes`);
  }
  return elapsed;
}

async function main(): Promise<void> {
  const database = await startBenchDatabase('artifacts');
  const runsRoot = join(database.dir, 'runs');
  mkdirSync(runsRoot);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'main.js')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      ...benchAppEnv(database, {
        AUTOPACK_RUNS_ROOT: runsRoot,
        LOG_LEVEL: 'warn',
        AUTOPACK_RATE_LIMIT_ARTIFACTS_FILE_PER_MINUTE: '1000000',
      }),
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForHealth(base, child);
    const runId = `bench-artifacts-${Date.now()}`;
    const started = await fetch(`${base}/runs/start`, {
      method: 'POST',
      headers: { 'X-API-Key': BENCH_API_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ run: { run_id: runId }, tiers: [], phases: [] }),
    });
    if (started.status !== 201) throw new Error(`run start failed: ${started.status}`);
    const dir = join(runsRoot, runId);
    mkdirSync(dir);
    writeFileSync(join(dir, 'small.bin'), Buffer.alloc(MIB + 1)); // one byte over the cap: capped too
    closeSync(openSync(join(dir, 'big.bin'), 'w'));
    truncateSync(join(dir, 'big.bin'), GIB);

    const loadBefore = loadAverage();
    const rows: string[] = [];
    for (const query of ['', '&redact=true']) {
      for (let i = 0; i < 5; i++) {
        await timedRead(base, runId, 'small.bin', query);
        await timedRead(base, runId, 'big.bin', query);
      }
      const small: number[] = [];
      const big: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        small.push(await timedRead(base, runId, 'small.bin', query));
        big.push(await timedRead(base, runId, 'big.bin', query));
      }
      const ratio = percentile(big, 50) / percentile(small, 50);
      rows.push(
        `| ${query ? 'redact=true' : 'no redaction'} | ${fmt(percentile(small, 50))} | ${fmt(percentile(small, 95))} | ${fmt(percentile(big, 50))} | ${fmt(percentile(big, 95))} | ${ratio.toFixed(2)} |`,
      );
    }

    for (let i = 0; i < 10; i++) await timedRead(base, runId, 'big.bin');
    const rssBefore = rssBytes(child.pid!);
    let rssPeak = rssBefore;
    for (let i = 0; i < RSS_READS; i++) {
      await timedRead(base, runId, 'big.bin');
      rssPeak = Math.max(rssPeak, rssBytes(child.pid!));
    }
    const rssAfter = rssBytes(child.pid!);

    const mib = (bytes: number) => (bytes / MIB).toFixed(1);
    console.log(machineSpec());
    console.log(loadBeforeAfter(loadBefore));
    console.log(
      `${SAMPLES} sequential reads of each file per mode (interleaved) after 5 warm-up pairs; cap 1 MiB\n`,
    );
    console.log(
      '| mode | 1 MiB file p50 (ms) | p95 | 1 GiB sparse p50 (ms) | p95 | ratio of p50 (target ≤ 2) |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    console.log(
      `\nserver RSS over ${RSS_READS} sequential capped reads of the 1 GiB file (after 10 warm-up reads): ` +
        `${mib(rssBefore)} MiB → ${mib(rssAfter)} MiB (peak ${mib(rssPeak)} MiB), ` +
        `growth ${mib(rssAfter - rssBefore)} MiB (target < 32 MiB)`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) =>
      child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
    );
    await database.stop();
  }
}

runBench('bench:artifacts', main);
