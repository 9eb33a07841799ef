/**
 * `npm run bench:audit`: audit log throughput and cost, on a throwaway database.
 *
 *  1. appends/s at concurrency 1 and 16 (one process, one transaction per event, as modules do);
 *  2. the cost added to a state-changing HTTP request: p50/p95 of the same request with and without
 *     the audit write (the real app, over loopback, sequential requests);
 *  3. `audit:verify` time for 100,000 events: the shared verifier in-process, and the built CLI process.
 *
 * Uses DATABASE_URL's cluster when set (a database `bench_<random>` is created and dropped on it),
 * else an embedded PostgreSQL in a temporary directory. Prints a Markdown report to stdout.
 */
import 'reflect-metadata';
import { Controller, Param, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { verifyAuditChain } from '../src/audit/audit-chain.verifier';
import type { AuditContext } from '../src/audit/audit-context';
import { CurrentAuditContext } from '../src/audit/audit-context.decorator';
import { computeAuditHash, GENESIS_HASH, HashedAuditFields } from '../src/audit/audit-hash';
import { AuditModule } from '../src/audit/audit.module';
import { AuditService } from '../src/audit/audit.service';
import { systemAuditContext } from '../src/audit/audit-context';
import { ApiKey } from '../src/auth/auth.decorators';
import { loadConfig, PROJECT_ROOT } from '../src/config/load-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { runPendingMigrations } from '../src/database/migrate';
import { configureHttp, NEST_APP_OPTIONS } from '../src/http/configure-http';

const APPENDS_C1 = 1_000;
const APPENDS_C16 = 4_000;
const REQUESTS_PER_VARIANT = 1_000;
const VERIFY_EVENTS = 100_000;
const BENCH_KEY = `bench-instance-key-${randomBytes(8).toString('hex')}`;

const run = promisify(execFile);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

// ---------------------------------------------------------------- database

async function openCluster(): Promise<{ adminUrl: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => undefined };
  const parent = mkdtempSync(join(tmpdir(), 'autopack-bench-pg-'));
  chmodSync(parent, 0o755); // the postgres system user must reach it when run as root
  const cluster = await startEmbeddedPostgres({
    dataDir: join(parent, 'postgres'),
    port: await freePort(),
    databaseName: 'autopack_bench',
  });
  return {
    adminUrl: cluster.adminUrl,
    stop: async () => {
      await cluster.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freshDatabase(adminUrl: string): Promise<{ url: string; name: string; ds: DataSource }> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const ds = await new DataSource(dataSourceOptions(url.toString())).initialize();
  await runPendingMigrations(ds);
  return { url: url.toString(), name, ds };
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

// ---------------------------------------------------------------- 1. appends/s

async function appendsPerSecond(ds: DataSource, count: number, concurrency: number): Promise<number> {
  const audit = new AuditService();
  const context = systemAuditContext('bench');
  let next = 0;
  const worker = async () => {
    while (next++ < count) {
      await ds.transaction((manager) =>
        audit.record(manager, {
          ...context,
          type: 'bench.appended',
          subject: { type: 'run', id: 'run-bench' },
          runId: 'run-bench',
          details: { note: 'a typical small details object', value: next, tags: ['a', 'b'] },
        }),
      );
    }
  };
  const started = nowMs();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((nowMs() - started) / 1000);
}

/** The baseline: transactions that change one row and record nothing, `concurrency` at a time. */
async function plainCommitsPerSecond(ds: DataSource, count: number, concurrency: number): Promise<number> {
  await ds.query('CREATE TABLE IF NOT EXISTS bench_plain (id int PRIMARY KEY, value int NOT NULL)');
  await ds.query('INSERT INTO bench_plain VALUES (1, 0) ON CONFLICT DO NOTHING');
  let next = 0;
  const worker = async () => {
    while (next++ < count) {
      await ds.transaction((manager) =>
        manager.query('UPDATE bench_plain SET value = value + 1 WHERE id = 1'),
      );
    }
  };
  const started = nowMs();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((nowMs() - started) / 1000);
}

// ---------------------------------------------------------------- 2. request cost

/** The same state change, once alone and once with its audit event, each in one transaction. */
@Controller('bench')
class BenchController {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  @Post('plain/:name')
  @ApiKey('runs:write')
  plain(@Param('name') name: string) {
    return this.ds.transaction(async (manager) => {
      await manager.query('UPDATE bench_counters SET value = value + 1 WHERE name = $1', [name]);
      return { ok: true };
    });
  }

  @Post('audited/:name')
  @ApiKey('runs:write')
  audited(@Param('name') name: string, @CurrentAuditContext() context: AuditContext) {
    return this.ds.transaction(async (manager) => {
      await manager.query('UPDATE bench_counters SET value = value + 1 WHERE name = $1', [name]);
      await this.audit.record(manager, {
        ...context,
        type: 'bench.incremented',
        subject: { type: 'system', id: name },
        details: { counter: name },
      });
      return { ok: true };
    });
  }
}

async function requestLatencies(url: string): Promise<Record<'plain' | 'audited', number[]>> {
  const config = loadConfig({
    AUTOPACK_ENV: 'test',
    AUTOPACK_API_KEY: BENCH_KEY,
    DATABASE_URL: url,
    AUTOPACK_DATA_DIR: mkdtempSync(join(tmpdir(), 'autopack-bench-data-')),
    AUTOPACK_RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'silent',
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config), AuditModule],
    controllers: [BenchController],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(NEST_APP_OPTIONS);
  configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const ds = app.get(DataSource);
  await ds.query('CREATE TABLE bench_counters (name text PRIMARY KEY, value integer NOT NULL DEFAULT 0)');
  await ds.query(`INSERT INTO bench_counters (name) VALUES ('c')`);

  const call = async (variant: 'plain' | 'audited'): Promise<number> => {
    const started = nowMs();
    const res = await fetch(`http://127.0.0.1:${port}/bench/${variant}/c`, {
      method: 'POST',
      headers: { 'X-API-Key': BENCH_KEY },
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`${variant} answered ${res.status}`);
    return nowMs() - started;
  };
  try {
    for (let i = 0; i < 100; i++) await call(i % 2 ? 'plain' : 'audited'); // warm-up
    const samples = { plain: [] as number[], audited: [] as number[] };
    // Alternate in blocks of 50 so that drift (autovacuum, other load) hits both variants alike.
    for (let block = 0; block < REQUESTS_PER_VARIANT / 50; block++) {
      for (const variant of ['plain', 'audited'] as const) {
        for (let i = 0; i < 50; i++) samples[variant].push(await call(variant));
      }
    }
    return samples;
  } finally {
    await app.close();
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

// ---------------------------------------------------------------- 3. verify 100,000 events

/**
 * Writes a valid chain of `count` events straight into the table (batches of 1,000 rows), hashing with
 * the same computeAuditHash as AuditService; far faster than `count` transactions. The chain head's
 * forward-only trigger is disabled for the one jump to the end: this database is thrown away.
 */
async function loadChain(ds: DataSource, count: number): Promise<void> {
  let prev = GENESIS_HASH;
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  for (let from = 1; from <= count; from += 1_000) {
    const values: unknown[] = [];
    const rows: string[] = [];
    for (let position = from; position < Math.min(from + 1_000, count + 1); position++) {
      const fields: HashedAuditFields = {
        position,
        event_id: randomUUID(),
        occurred_at: new Date(start + position).toISOString(),
        event_type: position % 3 ? 'action.approved' : 'api_key.created',
        actor_kind: 'user',
        actor_id: `user:${position % 17}`,
        actor_name: `operator-${position % 17}`,
        subject_type: 'action',
        subject_id: `act-${position}`,
        run_id: `run-2026-01-01-${position % 101}`,
        phase_id: null,
        details: { note: 'approved after review', amount_cents: position * 7, tags: ['bench'] },
        request_id: randomUUID(),
        prev_hash: prev,
      };
      const hash = computeAuditHash(fields);
      const base = values.length;
      values.push(
        fields.position,
        fields.event_id,
        fields.occurred_at,
        fields.event_type,
        fields.actor_kind,
        fields.actor_id,
        fields.actor_name,
        fields.subject_type,
        fields.subject_id,
        fields.run_id,
        fields.phase_id,
        JSON.stringify(fields.details),
        fields.request_id,
        fields.prev_hash,
        hash,
      );
      rows.push(
        `(${Array.from({ length: 15 }, (_, i) => `$${base + i + 1}${i === 11 ? '::jsonb' : ''}`).join(', ')})`,
      );
      prev = hash;
    }
    await ds.query(`INSERT INTO audit_events VALUES ${rows.join(', ')}`, values);
  }
  await ds.transaction(async (manager) => {
    await manager.query('ALTER TABLE audit_chain_head DISABLE TRIGGER audit_chain_head_forward_only');
    await manager.query('UPDATE audit_chain_head SET position = $1, hash = $2 WHERE id = 1', [count, prev]);
    await manager.query('ALTER TABLE audit_chain_head ENABLE TRIGGER audit_chain_head_forward_only');
  });
  await ds.query('VACUUM ANALYZE audit_events');
}

async function timeCli(url: string): Promise<{ seconds: number; maxRssMb: number | null; output: string }> {
  const cli = join(PROJECT_ROOT, 'dist', 'cli', 'audit-verify.js');
  // GNU time reports the peak RSS; where it is missing (Windows, macOS) the time alone is measured.
  const gnuTime = process.platform === 'linux' && existsSync('/usr/bin/time');
  const [file, args] = gnuTime
    ? ['/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, cli]]
    : [process.execPath, [cli]];
  const started = nowMs();
  const { stdout, stderr } = await run(file, args, {
    env: { ...process.env, DATABASE_URL: url, AUTOPACK_ENV: 'test' },
  });
  const seconds = (nowMs() - started) / 1000;
  const rss = /maxrss_kb=(\d+)/.exec(stderr);
  return { seconds, maxRssMb: rss ? Math.round(Number(rss[1]) / 1024) : null, output: stdout.trim() };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const cluster = await openCluster();
  const dropped: string[] = [];
  try {
    log(`appends: ${APPENDS_C1} at concurrency 1, ${APPENDS_C16} at concurrency 16`);
    const appendDb = await freshDatabase(cluster.adminUrl);
    dropped.push(appendDb.name);
    await appendsPerSecond(appendDb.ds, 100, 4); // warm-up
    const c1 = await appendsPerSecond(appendDb.ds, APPENDS_C1, 1);
    const c16 = await appendsPerSecond(appendDb.ds, APPENDS_C16, 16);
    const plain1 = await plainCommitsPerSecond(appendDb.ds, APPENDS_C1, 1);
    const appendCheck = await verifyAuditChain(appendDb.ds);
    if (!appendCheck.intact)
      throw new Error(`chain broken after the append benchmark: ${appendCheck.message}`);
    await appendDb.ds.destroy();

    log(`request cost: ${REQUESTS_PER_VARIANT} sequential requests per variant`);
    const requestDb = await freshDatabase(cluster.adminUrl);
    dropped.push(requestDb.name);
    await requestDb.ds.destroy();
    const latencies = await requestLatencies(requestDb.url);

    log(`verify: loading ${VERIFY_EVENTS} events`);
    const verifyDb = await freshDatabase(cluster.adminUrl);
    dropped.push(verifyDb.name);
    await loadChain(verifyDb.ds, VERIFY_EVENTS);
    const inProcess: number[] = [];
    let heapPeakMb = 0;
    for (let i = 0; i < 3; i++) {
      const started = nowMs();
      const result = await verifyAuditChain(verifyDb.ds, {
        onProgress: () => (heapPeakMb = Math.max(heapPeakMb, process.memoryUsage().heapUsed / 2 ** 20)),
      });
      inProcess.push((nowMs() - started) / 1000);
      if (!result.intact || result.count !== VERIFY_EVENTS)
        throw new Error('the loaded chain did not verify');
    }
    await verifyDb.ds.destroy();
    const cli = await timeCli(verifyDb.url);

    const p = (values: number[], q: number) => percentile(values, q).toFixed(2);
    const p50Plain = percentile(latencies.plain, 50);
    const p50Audited = percentile(latencies.audited, 50);
    const lines = [
      `| measurement | result |`,
      `|---|---|`,
      `| appends/s, concurrency 1 (${APPENDS_C1} events, 1 transaction each) | ${c1.toFixed(0)} |`,
      `| appends/s, concurrency 16 (${APPENDS_C16} events, 1 transaction each) | ${c16.toFixed(0)} |`,
      `| baseline: one-row UPDATE transactions/s on the same row, concurrency 1 (no audit) | ${plain1.toFixed(0)} |`,
      `| state-changing request without audit write: p50 / p95 (ms) | ${p(latencies.plain, 50)} / ${p(latencies.plain, 95)} |`,
      `| same request with audit write: p50 / p95 (ms) | ${p(latencies.audited, 50)} / ${p(latencies.audited, 95)} |`,
      `| added by the audit write, p50 (ms) | ${(p50Audited - p50Plain).toFixed(2)} |`,
      `| verify ${VERIFY_EVENTS.toLocaleString('en')} events, in-process (best / worst of 3, s) | ${Math.min(...inProcess).toFixed(2)} / ${Math.max(...inProcess).toFixed(2)} |`,
      `| verifier heap in use, peak (MB) | ${heapPeakMb.toFixed(0)} |`,
      `| \`node dist/cli/audit-verify.js\`, wall time incl. start-up (s) | ${cli.seconds.toFixed(2)} |`,
      `| CLI process max RSS (MB) | ${cli.maxRssMb ?? 'n/a'} |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n\nCLI said: ${cli.output}\ncpus: ${cpus().length}\n`);
  } finally {
    for (const name of dropped)
      await adminQuery(cluster.adminUrl, `DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:audit failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
