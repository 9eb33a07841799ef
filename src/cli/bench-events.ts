/**
 * `npm run bench:events`: what do events cost, and how fast do they arrive?
 *
 * Two replicas of the whole app (HTTP, guard, validation, listener) on one fresh embedded PostgreSQL:
 * commit → SSE client latency on the same replica and on the other, events/s with 100 open streams,
 * the cost one event adds to a write transaction, and webhook deliveries/s to a local receiver.
 * Never part of the test suite.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { ApiKeysService } from '../auth/api-keys/api-keys.service';
import { SessionsService } from '../auth/sessions/sessions.service';
import { userPrincipalId } from '../auth/users/user.entity';
import { UsersService } from '../auth/users/users.service';
import { loadConfig } from '../config/load-config';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { EventLogService } from '../events/event-log.service';
import { configureHttp, NEST_APP_OPTIONS } from '../http/configure-http';

const API_KEY = 'bench-instance-key-0123456789abcdef';
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const FANOUT_EVENTS = Number(process.env.BENCH_FANOUT_EVENTS ?? 500);
const APPEND_SAMPLES = Number(process.env.BENCH_APPEND_SAMPLES ?? 1000);
const WEBHOOK_EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 300);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** A text/event-stream reader that calls `onEvent` with each event's data. */
function openStream(
  base: string,
  path: string,
  headers: Record<string, string>,
  onEvent: (data: { summary: string }) => void,
) {
  return new Promise<() => void>((resolve, reject) => {
    const req = httpRequest(
      new URL(path, base),
      { headers: { Accept: 'text/event-stream', ...headers } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = block.split('\n').find((line) => line.startsWith('data:'));
            if (data) onEvent(JSON.parse(data.slice(5)) as { summary: string });
          }
        });
        resolve(() => req.destroy());
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function post(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

async function main(): Promise<void> {
  const parent = mkdtempSync(join(tmpdir(), 'autopack-bench-events-'));
  chmodSync(parent, 0o755);
  const database = await startEmbeddedPostgres({
    dataDir: join(parent, 'postgres'),
    port: 54461,
    databaseName: 'bench',
  });
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const config = loadConfig({
      AUTOPACK_ENV: 'test',
      AUTOPACK_API_KEY: API_KEY,
      DATABASE_URL: database.url,
      AUTOPACK_DATA_DIR: join(parent, 'data'),
      LOG_LEVEL: 'silent',
      AUTOPACK_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      AUTOPACK_RATE_LIMIT_PER_MINUTE: '1000000',
      AUTOPACK_EVENTS_STREAMS_PER_PRINCIPAL: '1000',
    });
    const apps: NestExpressApplication[] = [];
    const bases: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
        ...NEST_APP_OPTIONS,
        logger: false,
      });
      configureHttp(app, config);
      await app.listen(0, '127.0.0.1');
      apps.push(app);
      bases.push(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
    }
    const [a, b] = bases;
    const admin = await apps[0]
      .get(UsersService)
      .create({ username: 'bench-admin', password: randomUUID(), role: 'admin' });
    const adminPrincipal = {
      kind: 'user' as const,
      id: userPrincipalId(admin.id),
      name: admin.username,
      scopes: [],
      isAdmin: true,
      role: 'admin' as const,
    };
    const { key } = await apps[0]
      .get(ApiKeysService)
      .create({ name: 'bench-executor', scopes: ['runs:write', 'events:read'] }, adminPrincipal);
    const executor = { 'X-API-Key': key };
    const runId = `bench-${randomUUID()}`;
    if ((await post(a, '/runs/start', executor, { run: { run_id: runId }, tiers: [], phases: [] })) !== 201)
      throw new Error('run start failed');
    let sequence = 0;
    const report = (tag: string) =>
      post(a, `/runs/${runId}/errors`, executor, { error_type: 'bench', message: `${tag}-${++sequence}` });

    // 1. Latency: a write on replica A, observed on a stream on A and on B.
    const arrivals = new Map<string, { a?: number; b?: number }>();
    const closers = [
      await openStream(
        a,
        '/events/stream?types=run.error_recorded',
        executor,
        (e) => ((arrivals.get(e.summary) ?? arrivals.set(e.summary, {}).get(e.summary)!).a = now()),
      ),
      await openStream(
        b,
        '/events/stream?types=run.error_recorded',
        executor,
        (e) => ((arrivals.get(e.summary) ?? arrivals.set(e.summary, {}).get(e.summary)!).b = now()),
      ),
    ];
    for (let i = 0; i < 20; i++) await report('warm');
    await new Promise((r) => setTimeout(r, 500));
    const loadBefore = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const same: number[] = [];
    const other: number[] = [];
    const writes: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const tag = `lat`;
      const summaryKey = `Run ${runId} reported a bench error`;
      arrivals.clear();
      const sent = now();
      await report(tag);
      const answered = now();
      const deadline = Date.now() + 5_000;
      while (!(arrivals.get(summaryKey)?.a && arrivals.get(summaryKey)?.b) && Date.now() < deadline)
        await new Promise((r) => setImmediate(r));
      const got = arrivals.get(summaryKey);
      if (!got?.a || !got.b) throw new Error('an event did not arrive within 5 s');
      writes.push(answered - sent);
      same.push(Math.max(0, got.a - answered));
      other.push(Math.max(0, got.b - answered));
    }
    closers.forEach((close) => close());

    // 2. Fan-out: 100 streams, a burst of events, until every stream has every event.
    let received = 0;
    const streams = await Promise.all(
      Array.from({ length: STREAMS }, (_, i) =>
        openStream(bases[i % 2], '/events/stream?types=run.error_recorded', executor, () => received++),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    const fanStart = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next++ < FANOUT_EVENTS) await report('fan');
      }),
    );
    const fanDeadline = Date.now() + 120_000;
    while (received < STREAMS * FANOUT_EVENTS && Date.now() < fanDeadline)
      await new Promise((r) => setTimeout(r, 5));
    const fanSeconds = (now() - fanStart) / 1000;
    if (received < STREAMS * FANOUT_EVENTS)
      throw new Error(`fan-out: ${received} of ${STREAMS * FANOUT_EVENTS} received`);
    streams.forEach((close) => close());

    // 3. What one event adds to a write transaction.
    const dataSource = apps[0].get(DataSource);
    const log = apps[0].get(EventLogService);
    const bare: number[] = [];
    const withEvent: number[] = [];
    for (let i = 0; i < APPEND_SAMPLES; i++) {
      let t0 = now();
      await dataSource.transaction((m) =>
        m.query('UPDATE runs SET ci_runs_used = ci_runs_used WHERE id = $1', [runId]),
      );
      bare.push(now() - t0);
      t0 = now();
      await dataSource.transaction(async (m) => {
        await m.query('UPDATE runs SET ci_runs_used = ci_runs_used WHERE id = $1', [runId]);
        await log.append(m, {
          type: 'run.error_recorded',
          subject: { type: 'run', id: runId },
          runId,
          owner: 'bench',
          summary: 'bench append',
        });
      });
      withEvent.push(now() - t0);
    }

    // 4. Webhook deliveries/s to a local receiver.
    const token = (
      await apps[0]
        .get(SessionsService)
        .startSession(admin, 'password', { userAgent: 'bench', ipAddress: null })
    ).accessToken;
    const hook = await fetch(`${a}/webhooks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({
        name: 'bench',
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        kind: 'standard',
        event_types: ['run.error_recorded'],
      }),
    });
    if (hook.status !== 201) throw new Error(`webhook: ${hook.status}`);
    const hookStart = now();
    next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next++ < WEBHOOK_EVENTS) await report('hook');
      }),
    );
    const hookDeadline = Date.now() + 300_000;
    for (;;) {
      const [{ n }] = await dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'succeeded'`,
      );
      if (n >= WEBHOOK_EVENTS) break;
      if (Date.now() > hookDeadline) throw new Error(`webhooks: ${n} of ${WEBHOOK_EVENTS} delivered`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const hookSeconds = (now() - hookStart) / 1000;

    console.log(
      `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`,
    );
    console.log(
      `load average before/after: ${loadBefore} / ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    const ms = (v: number) => v.toFixed(1);
    console.log('| measurement | p50 | p99 |');
    console.log('|---|---|---|');
    console.log(
      `| executor write (POST /runs/{id}/errors), whole request (ms, ${LATENCY_SAMPLES}) | ${ms(percentile(writes, 50))} | ${ms(percentile(writes, 99))} |`,
    );
    console.log(
      `| response → event on a stream, same replica (ms) | ${ms(percentile(same, 50))} | ${ms(percentile(same, 99))} |`,
    );
    console.log(
      `| response → event on a stream, other replica (ms) | ${ms(percentile(other, 50))} | ${ms(percentile(other, 99))} |`,
    );
    console.log(
      `| write transaction without an event (ms, ${APPEND_SAMPLES}) | ${ms(percentile(bare, 50))} | ${ms(percentile(bare, 99))} |`,
    );
    console.log(
      `| the same with one event appended (ms) | ${ms(percentile(withEvent, 50))} | ${ms(percentile(withEvent, 99))} |`,
    );
    console.log(`\n| throughput | result |\n|---|---|`);
    console.log(
      `| events/s committed and delivered to all ${STREAMS} open streams (${FANOUT_EVENTS} events, 16 writers) | ${(FANOUT_EVENTS / fanSeconds).toFixed(1)} (${((STREAMS * FANOUT_EVENTS) / fanSeconds).toFixed(0)} stream messages/s) |`,
    );
    console.log(
      `| webhook deliveries/s, one endpoint, local receiver (${WEBHOOK_EVENTS} events) | ${(WEBHOOK_EVENTS / hookSeconds).toFixed(1)} |`,
    );
    for (const app of apps) await app.close();
  } finally {
    receiver.close();
    await database.stop();
    rmSync(parent, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:events: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
