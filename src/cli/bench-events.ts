/**
 * `npm run bench:events`: what do events cost, and how fast do they arrive?
 *
 * Two replicas of the whole app (HTTP, guard, validation, listener) on one fresh embedded PostgreSQL:
 * commit → SSE client latency on the same replica and on the other, events/s with 100 open streams,
 * the cost one event adds to a write transaction, and webhook deliveries/s to a local receiver.
 * Never part of the test suite.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SessionsService } from '../auth/sessions/sessions.service';
import { EventLogService } from '../events/event-log.service';
import {
  createBenchApiKey,
  fmt,
  loadAverage,
  loadBeforeAfter,
  machineSpec,
  percentile,
  runBench,
  startBenchApp,
  startBenchDatabase,
} from './bench-harness';

const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const FANOUT_EVENTS = Number(process.env.BENCH_FANOUT_EVENTS ?? 500);
const APPEND_SAMPLES = Number(process.env.BENCH_APPEND_SAMPLES ?? 1000);
const WEBHOOK_EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 300);

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
  const database = await startBenchDatabase('events');
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const env = { AUTOPACK_EVENTS_STREAMS_PER_PRINCIPAL: '1000' };
    const apps = [await startBenchApp(database, env), await startBenchApp(database, env)];
    const bases = apps.map((replica) => replica.url);
    const [a, b] = bases;
    const { admin, key } = await createBenchApiKey(apps[0].app, ['runs:write', 'events:read']);
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
    const loadBefore = loadAverage();
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
    const dataSource = apps[0].app.get(DataSource);
    const log = apps[0].app.get(EventLogService);
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
      await apps[0].app
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

    console.log(machineSpec());
    console.log(`${loadBeforeAfter(loadBefore)}\n`);
    console.log('| measurement | p50 | p99 |');
    console.log('|---|---|---|');
    console.log(
      `| executor write (POST /runs/{id}/errors), whole request (ms, ${LATENCY_SAMPLES}) | ${fmt(percentile(writes, 50))} | ${fmt(percentile(writes, 99))} |`,
    );
    console.log(
      `| response → event on a stream, same replica (ms) | ${fmt(percentile(same, 50))} | ${fmt(percentile(same, 99))} |`,
    );
    console.log(
      `| response → event on a stream, other replica (ms) | ${fmt(percentile(other, 50))} | ${fmt(percentile(other, 99))} |`,
    );
    console.log(
      `| write transaction without an event (ms, ${APPEND_SAMPLES}) | ${fmt(percentile(bare, 50))} | ${fmt(percentile(bare, 99))} |`,
    );
    console.log(
      `| the same with one event appended (ms) | ${fmt(percentile(withEvent, 50))} | ${fmt(percentile(withEvent, 99))} |`,
    );
    console.log(`\n| throughput | result |\n|---|---|`);
    console.log(
      `| events/s committed and delivered to all ${STREAMS} open streams (${FANOUT_EVENTS} events, 16 writers) | ${(FANOUT_EVENTS / fanSeconds).toFixed(1)} (${((STREAMS * FANOUT_EVENTS) / fanSeconds).toFixed(0)} stream messages/s) |`,
    );
    console.log(
      `| webhook deliveries/s, one endpoint, local receiver (${WEBHOOK_EVENTS} events) | ${(WEBHOOK_EVENTS / hookSeconds).toFixed(1)} |`,
    );
    for (const replica of apps) await replica.app.close();
  } finally {
    receiver.close();
    await database.stop();
  }
}

runBench('bench:events', main);
