import request from 'supertest';
import { createTestApp, TestApp } from '../helpers/app';
import { AppProcess, startAppProcess, stopAppProcess } from '../helpers/app-process';
import { adminQuery } from '../helpers/database';
import { mintApiKey, TestApiKey } from '../helpers/identity';
import { startBody, uniqueRunId } from '../helpers/runs';
import { openSse } from '../helpers/sse';

describe('events across two app processes on one database', () => {
  let b: TestApp; // this process: where the streams are open
  let bBase: string;
  let a: AppProcess; // another OS process: where the changes are committed
  let executor: TestApiKey;

  beforeAll(async () => {
    b = await createTestApp({ env: { AUTOPACK_RATE_LIMIT_PER_MINUTE: '100000' } });
    bBase = `http://127.0.0.1:${await b.listen()}`;
    a = await startAppProcess('actions-app-process.ts', b.config.databaseUrl!);
    executor = await mintApiKey(b, ['runs:write', 'events:read']);
  }, 120_000);

  afterAll(async () => {
    if (a) await stopAppProcess(a);
    await b.close();
  });

  /** Starts a run through process A, retrying while A's pool replaces connections that were killed. */
  async function startRunOnA(): Promise<string> {
    const body = startBody({ runId: uniqueRunId('xr') });
    for (let attempt = 0; ; attempt++) {
      const res = await request(a.base).post('/runs/start').set(executor.headers).send(body);
      if (res.status === 201 || res.status === 200) return body.run.run_id;
      if (attempt >= 20) throw new Error(`process A: ${res.status} ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('an event committed through process A reaches a stream open on process B within 1 s', async () => {
    expect(a.pid).not.toBe(process.pid);
    const stream = await openSse(bBase, '/events/stream?types=run.started', executor.headers);
    expect(stream.status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const committed = Date.now();
      const runId = await startRunOnA();
      await stream.waitFor((m) => m.some((e) => e.data.run_id === runId), 1_000, `run ${runId} within 1 s`);
      expect(Date.now() - committed).toBeLessThan(1_000);
    }
    stream.close();
  });

  it('killing every database connection (A’s, B’s pool and B’s listener) loses nothing for a client that resumes with Last-Event-ID', async () => {
    const stream = await openSse(bBase, '/events/stream?types=run.started', executor.headers);
    const before = await startRunOnA();
    const [first] = await stream.waitFor(
      (m) => m.some((e) => e.data.run_id === before),
      2_000,
      'the first run',
    );
    await adminQuery(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [b.databaseName],
    );
    // The open stream on B recovers by itself (its listener reconnects; reads retry).
    const during = await startRunOnA();
    await stream.waitFor((m) => m.some((e) => e.data.run_id === during), 10_000, 'the run after the cut');
    const last = stream.messages[stream.messages.length - 1];
    expect(first.id).toBeDefined();
    stream.close();
    // While no stream is open, more commits through A; the client comes back with its Last-Event-ID.
    const missed = [await startRunOnA(), await startRunOnA()];
    const resumed = await openSse(bBase, '/events/stream?types=run.started', {
      ...executor.headers,
      'Last-Event-ID': last.id!,
    });
    const replay = await resumed.waitFor((m) => m.length >= 2, 5_000, 'the missed runs');
    expect(replay.map((m) => m.data.run_id)).toEqual(missed);
    resumed.close();
  });
});
