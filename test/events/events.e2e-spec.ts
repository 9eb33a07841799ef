import request from 'supertest';
import { DataSource } from 'typeorm';
import { ExpiryScheduler } from '../../src/approvals/expiry-scheduler';
import { EventLogService } from '../../src/events/event-log.service';
import { createTestApp, TestApp } from '../helpers/app';
import { EventPageJson, readableEventPage } from '../helpers/events';
import { createUser, mintApiKey, TestApiKey } from '../helpers/identity';
import { phasePath, startBody, uniqueRunId } from '../helpers/runs';
import { openSse } from '../helpers/sse';
import { rememberSecret } from '../helpers/secrets';

describe('the event log, its page and its stream', () => {
  let t: TestApp;
  let base: string;
  let executorA: TestApiKey;
  let executorB: TestApiKey;
  let log: EventLogService;

  beforeAll(async () => {
    t = await createTestApp({
      env: { AUTOPACK_EVENTS_HEARTBEAT_SECONDS: '1', AUTOPACK_EVENTS_STREAMS_PER_PRINCIPAL: '2' },
    });
    base = `http://127.0.0.1:${await t.listen()}`;
    executorA = await mintApiKey(t, ['runs:write', 'runs:read', 'events:read'], { name: 'executor-a' });
    executorB = await mintApiKey(t, ['runs:write', 'runs:read', 'events:read'], { name: 'executor-b' });
    log = t.app.get(EventLogService);
  });
  afterAll(() => t.close());

  const start = async (key: TestApiKey) => {
    const body = startBody({ runId: uniqueRunId('ev') });
    await request(t.http).post('/runs/start').set(key.headers).send(body).expect(201);
    return body.run.run_id;
  };
  const page = async (key: TestApiKey, query = '') =>
    (await request(t.http).get(`/events${query}`).set(key.headers).expect(200)).body as EventPageJson;

  /** A page holding at least `count` events (an event is readable once older writers have ended). */
  const pageWith = (key: TestApiKey, query: string, count: number) =>
    readableEventPage(t.http, key.headers, query, (p) => p.events.length >= count);

  it('writes the events of a change in its transaction: run started, phase and run state, results', async () => {
    const runId = await start(executorA);
    await request(t.http)
      .post(phasePath(runId, 'P1', 'update_status'))
      .set(executorA.headers)
      .send({ state: 'EXECUTING' })
      .expect(200);
    const { events } = await pageWith(executorA, `run_id=${runId}`, 3);
    expect(events.map((e) => e.type)).toEqual(['run.started', 'phase.state_changed', 'run.state_changed']);
    expect(events[0]).toMatchObject({ owner: executorA.principalId, run_id: runId, subject: { id: runId } });
    expect(events[1]).toMatchObject({ data: { from: 'QUEUED', to: 'EXECUTING' } });
  });

  it('a rolled-back change leaves no event, and no event is written outside a transaction', async () => {
    const dataSource = t.app.get(DataSource);
    const before = await dataSource.query('SELECT count(*)::int AS n FROM events');
    await expect(
      dataSource.transaction(async (manager) => {
        await log.append(manager, {
          type: 'run.error_recorded',
          subject: { type: 'run', id: 'rolled-back' },
          owner: executorA.principalId,
          summary: 'never committed',
        });
        throw new Error('the change fails after its event was appended');
      }),
    ).rejects.toThrow('the change fails');
    // A refused write through the API (a forbidden phase transition) leaves none either.
    const runId = await start(executorA);
    await request(t.http)
      .post(phasePath(runId, 'P1', 'update_status'))
      .set(executorA.headers)
      .send({ state: 'COMPLETE' })
      .expect(409);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM events')).toEqual([{ n: before[0].n + 1 }]);
    await expect(
      log.append(dataSource.manager, {
        type: 'run.started',
        subject: { type: 'run', id: 'x' },
        owner: 'x',
        summary: 'outside',
      }),
    ).rejects.toThrow(/open transaction/);
  });

  it('never skips: a transaction that began first and commits last is still delivered after the cursor', async () => {
    const dataSource = t.app.get(DataSource);
    const { next_cursor: cursor } = await page(executorA, '?limit=500&types=run.error_recorded');
    const early = dataSource.createQueryRunner();
    const late = dataSource.createQueryRunner();
    await early.startTransaction();
    await late.startTransaction();
    const append = (runner: typeof early, id: string) =>
      log.append(runner.manager, {
        type: 'run.error_recorded',
        subject: { type: 'run', id },
        runId: id,
        owner: executorA.principalId,
        summary: id,
      });
    try {
      // `early` takes the smaller transaction id and the smaller event id …
      await append(early, 'first-begun');
      await append(late, 'second-begun');
      // … but `late` commits first, while a reader and a stream are following the log.
      const stream = await openSse(
        base,
        `/events/stream?after=${cursor}&types=run.error_recorded`,
        executorA.headers,
      );
      await late.commitTransaction();
      const whileEarlyOpen = await page(executorA, `?after=${cursor}&types=run.error_recorded`);
      // The later-committed event is held back (not skipped past) while the earlier one is in flight.
      expect(whileEarlyOpen.events.map((e) => e.subject.id)).toEqual([]);
      await early.commitTransaction();
      const received: string[] = [];
      let after = whileEarlyOpen.next_cursor;
      for (let i = 0; i < 20 && received.length < 2; i++) {
        const next = await page(executorA, `?after=${after}&types=run.error_recorded`);
        received.push(...next.events.map((e) => e.subject.id));
        after = next.next_cursor;
        if (received.length < 2) await new Promise((r) => setTimeout(r, 50));
      }
      expect(received).toEqual(['first-begun', 'second-begun']);
      const messages = await stream.waitFor((m) => m.length >= 2, 5_000, 'both events on the stream');
      expect(messages.map((m) => m.data.subject)).toEqual([
        expect.objectContaining({ id: 'first-begun' }),
        expect.objectContaining({ id: 'second-begun' }),
      ]);
      stream.close();
    } finally {
      await early.release();
      await late.release();
    }
  });

  it('a long transaction holding events back slows the stream’s reader down instead of a tight poll', async () => {
    const dataSource = t.app.get(DataSource);
    const { next_cursor: cursor } = await page(executorA, '?limit=500&types=run.error_recorded');
    const stream = await openSse(
      base,
      `/events/stream?after=${cursor}&types=run.error_recorded`,
      executorA.headers,
    );
    const long = dataSource.createQueryRunner();
    const short = dataSource.createQueryRunner();
    const append = (runner: typeof long, id: string) =>
      log.append(runner.manager, {
        type: 'run.error_recorded',
        subject: { type: 'run', id },
        runId: id,
        owner: executorA.principalId,
        summary: id,
      });
    // Observe (not replace) the shared reader's reads of the log.
    const reads = jest.spyOn(log, 'page');
    const hubReads = () =>
      reads.mock.calls.filter(([principal]) => principal.id === 'system:event-streams').length;
    try {
      await long.startTransaction();
      await append(long, 'long-held');
      await short.startTransaction();
      await append(short, 'held-behind');
      await short.commitTransaction();
      const before = hubReads();
      await new Promise((r) => setTimeout(r, 3_000));
      // A fixed 50 ms retry would read ~60 times in 3 s; doubling from 50 ms reads about 6 times.
      expect(hubReads() - before).toBeLessThan(15);
      await long.commitTransaction();
      const messages = await stream.waitFor((m) => m.length >= 2, 2_000, 'both events once released');
      expect(messages.map((m) => m.data.subject)).toEqual([
        expect.objectContaining({ id: 'long-held' }),
        expect.objectContaining({ id: 'held-behind' }),
      ]);
    } finally {
      reads.mockRestore();
      stream.close();
      await long.release();
      await short.release();
    }
  });

  it('a second executor key never sees the first one’s events, through the page or the stream', async () => {
    const streamA = await openSse(base, '/events/stream', executorA.headers);
    const streamB = await openSse(base, '/events/stream', executorB.headers);
    expect(streamA.status).toBe(200);
    expect(streamA.headers['content-type']).toContain('text/event-stream');
    const runA = await start(executorA);
    const runB = await start(executorB);
    await streamA.waitFor((m) => m.some((e) => e.data.run_id === runA), 5_000, 'A’s run on A’s stream');
    await streamB.waitFor((m) => m.some((e) => e.data.run_id === runB), 5_000, 'B’s run on B’s stream');
    // B's own event came after A's was committed: had A's been visible to B, it would be there by now.
    expect(streamB.messages.some((e) => e.data.run_id === runA)).toBe(false);
    expect(streamB.messages.every((e) => e.data.owner === executorB.principalId)).toBe(true);
    expect(streamA.messages.some((e) => e.data.run_id === runB)).toBe(false);
    const pageB = await page(executorB, '?limit=500');
    expect(pageB.events.length).toBeGreaterThan(0);
    expect(pageB.events.every((e) => e.owner === executorB.principalId)).toBe(true);
    // Filtering by the other's run id does not reach it either.
    expect((await page(executorB, `?run_id=${runA}`)).events).toEqual([]);
    // An operator sees both.
    const operator = await createUser(t, { role: 'operator' });
    const all = (await request(t.http).get('/events?limit=500').set(operator.auth).expect(200))
      .body as EventPageJson;
    expect(all.events.some((e) => e.run_id === runA) && all.events.some((e) => e.run_id === runB)).toBe(true);
    // A viewer is not an operator: it sees only its own (none).
    const viewer = await createUser(t, { role: 'viewer' });
    expect((await request(t.http).get('/events').set(viewer.auth).expect(200)).body.events).toEqual([]);
    streamA.close();
    streamB.close();
  });

  it('existing read keys do not silently gain events:read', async () => {
    const reader = await mintApiKey(t, ['runs:read']);
    await request(t.http).get('/events').set(reader.headers).expect(403);
    const stream = await openSse(base, '/events/stream', reader.headers);
    expect(stream.status).toBe(403);
    await request(t.http).get('/events').expect(401);
  });

  it('resumes with Last-Event-ID (or ?after=) by replaying from the table, and sends comment heartbeats', async () => {
    const runId = await start(executorA);
    const { events } = await pageWith(executorA, `run_id=${runId}`, 1);
    expect(events).toHaveLength(1);
    await request(t.http)
      .post(phasePath(runId, 'P1', 'update_status'))
      .set(executorA.headers)
      .send({ state: 'EXECUTING' });
    const resumed = await openSse(base, `/events/stream?run_id=${runId}`, {
      ...executorA.headers,
      'Last-Event-ID': events[0].cursor,
    });
    const replay = await resumed.waitFor((m) => m.length >= 2, 5_000, 'the replay');
    expect(replay.map((m) => m.event)).toEqual(['phase.state_changed', 'run.state_changed']);
    expect(replay.every((m) => m.id === m.data.cursor)).toBe(true);
    await resumed.waitForComment('heartbeat', 3_000);
    resumed.close();
    const viaQuery = await openSse(
      base,
      `/events/stream?run_id=${runId}&after=${events[0].cursor}`,
      executorA.headers,
    );
    await viaQuery.waitFor((m) => m.length >= 2, 5_000, 'the replay via ?after=');
    viaQuery.close();
  });

  it('caps open streams per principal (429 beyond), and frees the slot when a stream closes', async () => {
    const key = await mintApiKey(t, ['events:read']);
    const one = await openSse(base, '/events/stream', key.headers);
    const two = await openSse(base, '/events/stream', key.headers);
    const three = await openSse(base, '/events/stream', key.headers);
    expect([one.status, two.status, three.status]).toEqual([200, 200, 429]);
    one.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await openSse(base, '/events/stream', key.headers);
    expect(again.status).toBe(200);
    two.close();
    again.close();
  });

  it('a browser opens the stream with a single-use ticket bound to its principal', async () => {
    const user = await createUser(t, { role: 'viewer' });
    const minted = await request(t.http).post('/events/stream-ticket').set(user.auth).expect(201);
    const ticket = minted.body.ticket as string;
    rememberSecret(ticket);
    expect(ticket).toMatch(/^st_/);
    expect(minted.body.expires_in_seconds).toBeLessThanOrEqual(60);
    const stream = await openSse(base, `/events/stream?ticket=${ticket}`);
    expect(stream.status).toBe(200);
    // Bound to the viewer: it sees only what the viewer may see (its own: nothing of the executors').
    await start(executorA);
    await stream.waitForComment('heartbeat', 3_000);
    expect(stream.messages).toEqual([]);
    stream.close();
    // Single use: the same ticket again, a made-up one, and one on a route that takes none are refused.
    expect((await openSse(base, `/events/stream?ticket=${ticket}`)).status).toBe(401);
    expect((await openSse(base, `/events/stream?ticket=st_${'A'.repeat(43)}`)).status).toBe(401);
    const other = (await request(t.http).post('/events/stream-ticket').set(user.auth).expect(201)).body
      .ticket;
    rememberSecret(other);
    // A ticket opens only the stream: the page does not take one.
    await request(t.http).get(`/events?ticket=${other}`).expect(401);
    await request(t.http).get('/events').query({ after: 'x' }).set(user.auth).expect(400);
    // The unused ticket still works once (it was not consumed by the refused page request).
    const once = await openSse(base, `/events/stream?ticket=${other}`);
    expect(once.status).toBe(200);
    once.close();
    // A user disabled after minting a ticket cannot use it: the user is read again when it is redeemed.
    const leaving = await createUser(t, { role: 'operator' });
    const spare = (await request(t.http).post('/events/stream-ticket').set(leaving.auth).expect(201)).body
      .ticket;
    rememberSecret(spare);
    const admin = await createUser(t, { role: 'admin' });
    await request(t.http)
      .patch(`/api/auth/users/${leaving.id}`)
      .set(admin.auth)
      .send({ disabled: true })
      .expect(200);
    expect((await openSse(base, `/events/stream?ticket=${spare}`)).status).toBe(401);
  });

  it('refuses bad input: unknown types 422 naming them, malformed cursor 400, limit over 500 400, pruned 410', async () => {
    const unknown = await request(t.http)
      .get('/events?types=run.started,nope.never,also.bad')
      .set(executorA.headers)
      .expect(422);
    expect(unknown.body.detail[0]).toMatchObject({ loc: ['query', 'types'], type: 'value_error.event_type' });
    expect(unknown.body.detail[0].msg).toContain('"nope.never"');
    expect(unknown.body.detail[0].msg).toContain('"also.bad"');
    expect((await openSse(base, '/events/stream?types=nope.never', executorA.headers)).status).toBe(422);
    await request(t.http).get('/events?after=not-a-cursor').set(executorA.headers).expect(400);
    expect(
      (await openSse(base, '/events/stream', { ...executorA.headers, 'Last-Event-ID': 'garbage' })).status,
    ).toBe(400);
    await request(t.http).get('/events?limit=501').set(executorA.headers).expect(400);

    const { events } = await page(executorA, '?limit=1');
    const oldCursor = events[0].cursor;
    await start(executorA);
    // Retention (30 days by default) prunes, from the one scheduler's sweep, everything older.
    const dataSource = t.app.get(DataSource);
    await dataSource.query(`UPDATE events SET created_at = now() - interval '31 days'`);
    await t.app.get(ExpiryScheduler).sweepAll();
    expect(await dataSource.query('SELECT count(*)::int AS n FROM events')).toEqual([{ n: 0 }]);
    const gone = await request(t.http).get(`/events?after=${oldCursor}`).set(executorA.headers).expect(410);
    expect(gone.body.oldest_cursor).toEqual(expect.any(String));
    await request(t.http).get(`/events?after=${gone.body.oldest_cursor}`).set(executorA.headers).expect(200);
    expect(
      (await openSse(base, '/events/stream', { ...executorA.headers, 'Last-Event-ID': oldCursor })).status,
    ).toBe(410);
    // The audit log is untouched by pruning.
    expect(
      (await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM audit_events'))[0].n,
    ).toBeGreaterThan(0);
  });

  it('ends open streams cleanly when the app shuts down', async () => {
    const other = await createTestApp();
    const port = await other.listen();
    const key = await mintApiKey(other, ['events:read']);
    const stream = await openSse(`http://127.0.0.1:${port}`, '/events/stream', key.headers);
    expect(stream.status).toBe(200);
    const closing = other.close();
    await stream.ended;
    await closing;
  });
});
