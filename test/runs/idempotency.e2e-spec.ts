import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TEST_INSTANCE_KEY } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { mintApiKey } from '../helpers/identity';
import { auditorResult, builderResult, phasePath, startBody, uniqueRunId } from '../helpers/runs';
import { ExpiryScheduler } from '../../src/approvals/expiry-scheduler';

/**
 * Idempotency-Key on every executor write: a retry with the key and the same body is answered with the
 * stored response and writes nothing; another body under the key is a 422; two identical requests at
 * once write once. One table drives every route.
 */
describe('Idempotency-Key on the executor writes', () => {
  let t: TestApp;
  let db: DataSource;
  const admin = { 'X-API-Key': TEST_INSTANCE_KEY };

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '10000' } });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const post = (path: string, body: object, headers: Record<string, string> = admin) =>
    request(t.http).post(path).set(headers).send(body);
  const count = async (sql: string, params: unknown[]) =>
    ((await db.query(sql, params)) as Array<{ n: number }>)[0].n;
  let keySequence = 0;
  const newKey = () => `key-${process.pid}-${Date.now()}-${++keySequence}`;

  async function startedRun(): Promise<string> {
    const body = startBody();
    expect((await post('/runs/start', body)).status).toBe(201);
    return body.run.run_id;
  }
  /** A run whose phase P1 is EXECUTING (results and issues are taken). */
  async function executingRun(): Promise<string> {
    const runId = await startedRun();
    expect((await post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' })).status).toBe(200);
    return runId;
  }

  interface RouteCase {
    name: string;
    /** Prepares what the write needs; answers the run it writes to. */
    prepare: () => Promise<string>;
    path: (runId: string) => string;
    body: (runId: string, variant?: number) => object;
    status: number;
    /** What one write adds: a count that must grow by exactly one per write, never per retry. */
    written: (runId: string) => Promise<number>;
  }
  const events = (type: string) => (runId: string) =>
    count('SELECT count(*)::int AS n FROM events WHERE run_id = $1 AND type = $2', [runId, type]);

  const routes: RouteCase[] = [
    {
      name: 'POST /runs/start',
      prepare: async () => uniqueRunId('idem'),
      path: () => '/runs/start',
      body: (runId, variant = 0) => startBody({ runId, run: { token_cap: 1000 + variant } }),
      status: 201,
      written: (runId) => count('SELECT count(*)::int AS n FROM runs WHERE id = $1', [runId]),
    },
    {
      name: 'update_status',
      prepare: startedRun,
      path: (runId) => phasePath(runId, 'P1', 'update_status'),
      body: (_runId, variant = 0) => ({ state: 'EXECUTING', tokens_used: 10 + variant }),
      status: 200,
      written: events('phase.state_changed'),
    },
    {
      name: 'builder_result',
      prepare: executingRun,
      path: (runId) => phasePath(runId, 'P1', 'builder_result'),
      body: (runId, variant = 0) => builderResult(runId, 'P1', { tokens_used: 1200 + variant }),
      status: 201,
      written: (runId) => count('SELECT count(*)::int AS n FROM builder_results WHERE run_id = $1', [runId]),
    },
    {
      name: 'auditor_result',
      prepare: executingRun,
      path: (runId) => phasePath(runId, 'P1', 'auditor_result'),
      body: (runId, variant = 0) => auditorResult(runId, 'P1', { tokens_used: 300 + variant }),
      status: 201,
      written: (runId) => count('SELECT count(*)::int AS n FROM auditor_results WHERE run_id = $1', [runId]),
    },
    {
      name: 'record_issue',
      prepare: executingRun,
      path: (runId) => phasePath(runId, 'P1', 'record_issue'),
      body: (_runId, variant = 0) => ({ issue_key: 'flaky', severity: 'minor', category: `c${variant}` }),
      status: 201,
      written: (runId) =>
        count('SELECT coalesce(sum(occurrence_count), 0)::int AS n FROM phase_issues WHERE run_id = $1', [
          runId,
        ]),
    },
    {
      name: 'run errors',
      prepare: startedRun,
      path: (runId) => `/runs/${runId}/errors`,
      body: (_runId, variant = 0) => ({ error_type: 'network', message: `lost ${variant}` }),
      status: 201,
      written: (runId) =>
        count('SELECT count(*)::int AS n FROM run_error_reports WHERE run_id = $1', [runId]),
    },
    {
      name: 'POST /approval/request',
      prepare: startedRun,
      path: () => '/approval/request',
      body: (runId, variant = 0) => ({ run_id: runId, phase_id: 'P1', context: `deploy ${variant}` }),
      status: 200,
      written: (runId) =>
        count('SELECT count(*)::int AS n FROM approval_requests WHERE run_id = $1', [runId]),
    },
    {
      name: 'POST /governance/requests',
      prepare: startedRun,
      path: () => '/governance/requests',
      body: (runId, variant = 0) => ({
        run_id: runId,
        phase_id: 'P1',
        paths: [`src/feature-${variant}.ts`],
        reason: 'a change',
      }),
      status: 201,
      written: (runId) =>
        count('SELECT count(*)::int AS n FROM governance_requests WHERE run_id = $1', [runId]),
    },
    {
      name: 'POST /dashboard/usage/events',
      prepare: startedRun,
      path: () => '/dashboard/usage/events',
      body: (runId, variant = 0) => ({
        run_id: runId,
        provider: 'openai',
        model: 'gpt',
        prompt_tokens: 1000 + variant,
        completion_tokens: 200,
      }),
      status: 201,
      written: (runId) => count('SELECT count(*)::int AS n FROM llm_usage_events WHERE run_id = $1', [runId]),
    },
    {
      name: 'POST /dashboard/token-savings',
      prepare: startedRun,
      path: () => '/dashboard/token-savings',
      body: (runId, variant = 0) => ({ run_id: runId, category: 'ab_delta', tokens: 50 + variant }),
      status: 201,
      written: (runId) =>
        count('SELECT count(*)::int AS n FROM token_savings_events WHERE run_id = $1', [runId]),
    },
  ];

  describe.each(routes)('$name', (route) => {
    it('a retry with the key answers the stored response again and writes nothing', async () => {
      const runId = await route.prepare();
      const before = await route.written(runId);
      const key = newKey();
      const headers = { ...admin, 'Idempotency-Key': key };
      const first = await post(route.path(runId), route.body(runId), headers);
      expect(first.status).toBe(route.status);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      for (let retry = 0; retry < 2; retry++) {
        const again = await post(route.path(runId), route.body(runId), headers);
        expect(again.status).toBe(route.status);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.body).toEqual(first.body);
      }
      expect(await route.written(runId)).toBe(before + 1);
    });

    it('the same key with another body is a 422 and writes nothing', async () => {
      const runId = await route.prepare();
      const key = newKey();
      const headers = { ...admin, 'Idempotency-Key': key };
      expect((await post(route.path(runId), route.body(runId), headers)).status).toBe(route.status);
      const after = await route.written(runId);
      const other = await post(route.path(runId), route.body(runId, 1), headers);
      expect(other.status).toBe(422);
      expect(other.body.detail[0]).toMatchObject({
        loc: ['header', 'idempotency-key'],
        type: 'value_error.idempotency_key_reused',
      });
      expect(await route.written(runId)).toBe(after);
    });

    it('two identical requests at once write once: the other is replayed or told the first is in flight', async () => {
      const runId = await route.prepare();
      const before = await route.written(runId);
      const headers = { ...admin, 'Idempotency-Key': newKey() };
      const answers = await Promise.all([
        post(route.path(runId), route.body(runId), headers),
        post(route.path(runId), route.body(runId), headers),
      ]);
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses.filter((status) => status === route.status).length).toBeGreaterThanOrEqual(1);
      for (const status of statuses) expect([route.status, 409]).toContain(status);
      expect(await route.written(runId)).toBe(before + 1);
      // A late retry gets the stored answer.
      const late = await post(route.path(runId), route.body(runId), headers);
      expect(late.status).toBe(route.status);
      expect(late.headers['idempotent-replayed']).toBe('true');
    });
  });

  it('builder_result: 1200 tokens sent three times with one key are counted once', async () => {
    const runId = await executingRun();
    const headers = { ...admin, 'Idempotency-Key': newKey() };
    const body = builderResult(runId, 'P1', { tokens_used: 1200, suggested_issues: [] });
    for (let i = 0; i < 3; i++) {
      expect((await post(phasePath(runId, 'P1', 'builder_result'), body, headers)).status).toBe(201);
    }
    const run = await request(t.http).get(`/runs/${runId}`).set(admin);
    expect(run.body.tokens_used).toBe(1200);
    expect(run.body.phases[0].tokens_used).toBe(1200);
  });

  it('without a key a write behaves as before: each request is a new write', async () => {
    const runId = await executingRun();
    const body = builderResult(runId, 'P1', { tokens_used: 1200 });
    await post(phasePath(runId, 'P1', 'builder_result'), body);
    const second = await post(phasePath(runId, 'P1', 'builder_result'), body);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect((await request(t.http).get(`/runs/${runId}`).set(admin)).body.tokens_used).toBe(2400);
  });

  it('a key belongs to its principal: another key holder using it makes its own write', async () => {
    const runId = await startedRun();
    const other = await mintApiKey(t, ['runs:write']);
    const otherRun = startBody();
    const key = newKey();
    expect((await post('/runs/start', otherRun, { ...other.headers, 'Idempotency-Key': key })).status).toBe(
      201,
    );
    // The same key by the instance key, for a different request, is not "reused": it is another key.
    const mine = await post(
      `/runs/${runId}/errors`,
      { error_type: 'x', message: 'm' },
      {
        ...admin,
        'Idempotency-Key': key,
      },
    );
    expect(mine.status).toBe(201);
    expect(mine.headers['idempotent-replayed']).toBeUndefined();
    // And another principal never reads my stored answer.
    const theirs = await post(
      `/runs/${runId}/errors`,
      { error_type: 'x', message: 'm' },
      {
        ...other.headers,
        'Idempotency-Key': key,
      },
    );
    expect(theirs.status).toBe(422); // their key was used for their /runs/start
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['a space', 'two words'],
    ['non-ASCII', 'clé'],
  ])('a malformed key (%s) is a 400 and writes nothing', async (_what, key) => {
    const runId = await startedRun();
    const res = await request(t.http)
      .post(`/runs/${runId}/errors`)
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ error_type: 'x', message: 'm' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/Idempotency-Key/);
    expect(await count('SELECT count(*)::int AS n FROM run_error_reports WHERE run_id = $1', [runId])).toBe(
      0,
    );
  });

  it('while another request holds the key (in flight, on any replica) the same key is a 409 and writes nothing', async () => {
    const runId = await startedRun();
    const key = newKey();
    // What a request in flight holds: the key's lock, taken by another connection (as another replica's).
    const holder = db.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `idempotency:apikey:instance:${key}`,
      ]);
      const res = await post(
        `/runs/${runId}/errors`,
        { error_type: 'x', message: 'm' },
        {
          ...admin,
          'Idempotency-Key': key,
        },
      );
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/still being processed/);
      await holder.rollbackTransaction();
    } finally {
      await holder.release();
    }
    expect(await count('SELECT count(*)::int AS n FROM run_error_reports WHERE run_id = $1', [runId])).toBe(
      0,
    );
    // Once the holder is gone, the retry is the first request.
    const retry = await post(
      `/runs/${runId}/errors`,
      { error_type: 'x', message: 'm' },
      { ...admin, 'Idempotency-Key': key },
    );
    expect(retry.status).toBe(201);
  });

  it('a refused write stores nothing: the key stays free for the corrected request', async () => {
    const runId = await startedRun();
    const headers = { ...admin, 'Idempotency-Key': newKey() };
    // P1 is QUEUED: COMPLETE is not allowed yet (409), and nothing is stored under the key.
    expect((await post(phasePath(runId, 'P1', 'update_status'), { state: 'COMPLETE' }, headers)).status).toBe(
      409,
    );
    expect(
      await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [
        headers['Idempotency-Key'],
      ]),
    ).toBe(0);
    const ok = await post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' }, headers);
    expect(ok.status).toBe(200);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
  });

  it('after its window a key is pruned by the scheduled sweep and may be used again', async () => {
    const runId = await startedRun();
    const key = newKey();
    const headers = { ...admin, 'Idempotency-Key': key };
    const errors = `/runs/${runId}/errors`;
    expect((await post(errors, { error_type: 'x', message: 'one' }, headers)).status).toBe(201);
    await db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [
      key,
    ]);
    // Expired but not yet pruned: the key is free already.
    const reused = await post(errors, { error_type: 'x', message: 'two' }, headers);
    expect(reused.status).toBe(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    await db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [
      key,
    ]);
    await t.app.get(ExpiryScheduler).sweepAll();
    expect(await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [key])).toBe(0);
  });

  it('a stored key expires after AUTOPACK_IDEMPOTENCY_KEY_TTL_HOURS (24 h by default)', async () => {
    const runId = await startedRun();
    const key = newKey();
    await post(
      `/runs/${runId}/errors`,
      { error_type: 'x', message: 'm' },
      { ...admin, 'Idempotency-Key': key },
    );
    const [row] = (await db.query(
      'SELECT extract(epoch FROM expires_at - created_at)::int AS seconds FROM idempotency_keys WHERE key = $1',
      [key],
    )) as Array<{ seconds: number }>;
    expect(Math.abs(row.seconds - 24 * 3600)).toBeLessThan(5);
  });
});
