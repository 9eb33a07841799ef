import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from './helpers/app';
import { createUser, mintApiKey, TestApiKey, TestUser } from './helpers/identity';
import { startBody } from './helpers/runs';

describe('dashboard: usage, models, overrides, human notes', () => {
  let t: TestApp;
  let alice: TestApiKey;
  let bob: TestApiKey;
  let operator: TestUser;
  let aliceRun: string;

  const usage = (key: TestApiKey, body: Record<string, unknown>) =>
    request(t.http).post('/dashboard/usage/events').set(key.headers).send(body);

  beforeAll(async () => {
    t = await createTestApp();
    alice = await mintApiKey(t, ['runs:read', 'runs:write']);
    bob = await mintApiKey(t, ['runs:read', 'runs:write']);
    operator = await createUser(t, { role: 'operator' });
    const body = startBody();
    aliceRun = body.run.run_id;
    await request(t.http).post('/runs/start').set(alice.headers).send(body).expect(201);
  });
  afterAll(() => t.close());

  it('records usage events and sums them by provider and model', async () => {
    const event = {
      run_id: aliceRun,
      phase_id: 'P1',
      provider: 'anthropic',
      model: 'claude-sonnet',
      prompt_tokens: 100,
      completion_tokens: 20,
    };
    expect((await usage(alice, event)).body).toMatchObject({ run_id: aliceRun, total_tokens: 120 });
    await usage(alice, { ...event, prompt_tokens: 5, completion_tokens: 5 }).expect(201);
    await usage(alice, {
      ...event,
      provider: 'openai',
      model: 'gpt',
      prompt_tokens: 1,
      completion_tokens: 1,
    }).expect(201);
    const res = await request(t.http).get('/dashboard/usage?period=week').set(operator.auth);
    expect(res.body).toMatchObject({
      period: 'week',
      total_tokens: 132,
      by_model: [
        {
          provider: 'anthropic',
          model: 'claude-sonnet',
          prompt_tokens: 105,
          completion_tokens: 25,
          total_tokens: 130,
          calls: 2,
        },
        { provider: 'openai', model: 'gpt', total_tokens: 2, calls: 1 },
      ],
    });
  });

  it("keeps each executor to its own runs: no writes to another's run, no view of its usage", async () => {
    const res = await usage(bob, {
      run_id: aliceRun,
      provider: 'x',
      model: 'y',
      prompt_tokens: 1,
      completion_tokens: 1,
    });
    expect(res.status).toBe(404);
    expect((await request(t.http).get('/dashboard/usage').set(bob.headers)).body.total_tokens).toBe(0);
  });

  it.each([
    [{ prompt_tokens: -1 }],
    [{ prompt_tokens: 1.5 }],
    [{ completion_tokens: 3_000_000_000 }],
    [{ provider: '' }],
    [{ extra: true }],
  ])('refuses bad usage events with 422 (%j)', async (change) => {
    const base = { run_id: aliceRun, provider: 'p', model: 'm', prompt_tokens: 1, completion_tokens: 1 };
    expect((await usage(alice, { ...base, ...change })).status).toBe(422);
  });

  it('refuses an unknown period with 400', async () => {
    expect((await request(t.http).get('/dashboard/usage?period=year').set(operator.auth)).status).toBe(400);
  });

  it('serves the model catalog with the newest global override per role', async () => {
    const models = await request(t.http).get('/dashboard/models').set(alice.headers);
    expect(models.body.mappings.builder).toEqual({
      low: expect.any(String),
      medium: expect.any(String),
      high: expect.any(String),
    });
    await request(t.http)
      .post('/dashboard/models/override')
      .set(operator.auth)
      .send({ role: 'builder', model: 'm-1' })
      .expect(201);
    await request(t.http)
      .post('/dashboard/models/override')
      .set(operator.auth)
      .send({ role: 'builder', model: 'm-2' })
      .expect(201);
    const perRun = await request(t.http)
      .post('/dashboard/models/override')
      .set(operator.auth)
      .send({ role: 'auditor', model: 'm-3', run_id: aliceRun });
    expect(perRun.body).toMatchObject({ run_id: aliceRun, created_by: operator.principalId });
    const after = await request(t.http).get('/dashboard/models').set(alice.headers);
    expect(after.body.global_overrides).toEqual([
      expect.objectContaining({ role: 'builder', model: 'm-2', run_id: null }),
    ]);
  });

  it('stores human notes attributed to the signed-in operator; machines and viewers cannot write', async () => {
    const res = await request(t.http)
      .post('/dashboard/human-notes')
      .set(operator.auth)
      .send({ note: 'watch P3', run_id: aliceRun });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      note: 'watch P3',
      author_id: operator.principalId,
      author_name: operator.username,
    });
    expect([401, 403]).toContain(
      (await request(t.http).post('/dashboard/human-notes').set(alice.headers).send({ note: 'x' })).status,
    );
    const viewer = await createUser(t, { role: 'viewer' });
    expect(
      (await request(t.http).post('/dashboard/human-notes').set(viewer.auth).send({ note: 'x' })).status,
    ).toBe(403);
    expect(
      (
        await request(t.http)
          .post('/dashboard/human-notes')
          .set(operator.auth)
          .send({ note: 'x', author_id: 'user:someone' })
      ).status,
    ).toBe(422);
  });
});

describe('dashboard: consolidated metrics', () => {
  it('answers 503 naming the switch while AUTOPACK_ENABLE_CONSOLIDATED_METRICS is off (the default)', async () => {
    const t = await createTestApp();
    try {
      const key = await mintApiKey(t, ['runs:read', 'runs:write']);
      const body = startBody();
      await request(t.http).post('/runs/start').set(key.headers).send(body).expect(201);
      const res = await request(t.http)
        .get(`/dashboard/runs/${body.run.run_id}/consolidated-metrics`)
        .set(key.headers);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, switch: 'AUTOPACK_ENABLE_CONSOLIDATED_METRICS' });
      expect(
        (await request(t.http).get('/health')).body.kill_switches.AUTOPACK_ENABLE_CONSOLIDATED_METRICS,
      ).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('sums four independent categories without double counting, paged, owner-scoped', async () => {
    const t = await createTestApp({ env: { AUTOPACK_ENABLE_CONSOLIDATED_METRICS: '1' } });
    try {
      const key = await mintApiKey(t, ['runs:read', 'runs:write']);
      const other = await mintApiKey(t, ['runs:read', 'runs:write']);
      const body = startBody({ run: { token_cap: 777 } });
      const runId = body.run.run_id;
      await request(t.http).post('/runs/start').set(key.headers).send(body).expect(201);
      const usage = { run_id: runId, provider: 'p', model: 'm', prompt_tokens: 40, completion_tokens: 2 };
      await request(t.http).post('/dashboard/usage/events').set(key.headers).send(usage).expect(201);
      await request(t.http).post('/dashboard/usage/events').set(key.headers).send(usage).expect(201);
      for (const [category, tokens] of [
        ['artifact_tokens_avoided', 500],
        ['artifact_tokens_avoided', 25],
        ['doctor_tokens_avoided_estimate', 300],
        ['ab_delta', -12],
      ] as const) {
        await request(t.http)
          .post('/dashboard/token-savings')
          .set(key.headers)
          .send({ run_id: runId, category, tokens })
          .expect(201);
      }
      const res = await request(t.http)
        .get(`/dashboard/runs/${runId}/consolidated-metrics?limit=3&offset=1`)
        .set(key.headers);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        run_id: runId,
        token_cap: 777,
        categories: {
          tokens_spent: 84,
          artifact_tokens_avoided: 525,
          doctor_tokens_avoided_estimate: 300,
          ab_delta: -12,
        },
        total_savings_events: 4,
        total_exact: true,
        limit: 3,
        offset: 1,
        next_cursor: null,
      });
      expect(res.body.savings_events.map((e: { tokens: number }) => e.tokens)).toEqual([25, 300, -12]);
      // The same events by cursor: the page after the first two.
      const first = await request(t.http)
        .get(`/dashboard/runs/${runId}/consolidated-metrics?limit=2`)
        .set(key.headers);
      expect(first.body.savings_events.map((e: { tokens: number }) => e.tokens)).toEqual([500, 25]);
      const next = await request(t.http)
        .get(`/dashboard/runs/${runId}/consolidated-metrics?limit=2&cursor=${first.body.next_cursor}`)
        .set(key.headers);
      expect(next.status).toBe(200);
      expect(next.body).toMatchObject({ next_cursor: null, total_savings_events: 4, offset: 0 });
      expect(next.body.savings_events.map((e: { tokens: number }) => e.tokens)).toEqual([300, -12]);
      const deep = await request(t.http)
        .get(`/dashboard/runs/${runId}/consolidated-metrics?offset=10001`)
        .set(key.headers);
      expect(deep.status).toBe(400);
      expect(deep.body.message).toContain('cursor');
      expect(
        (await request(t.http).get(`/dashboard/runs/${runId}/consolidated-metrics`).set(other.headers))
          .status,
      ).toBe(404);
      for (const bad of ['limit=10001', 'limit=0', 'offset=-1', 'limit=abc']) {
        expect(
          (await request(t.http).get(`/dashboard/runs/${runId}/consolidated-metrics?${bad}`).set(key.headers))
            .status,
        ).toBe(400);
      }
      const wrong = await request(t.http)
        .post('/dashboard/token-savings')
        .set(key.headers)
        .send({ run_id: runId, category: 'tokens_spent', tokens: 1 });
      expect(wrong.status).toBe(422);
    } finally {
      await t.close();
    }
  });

  it('counts the savings events only up to 10,000, saying so with total_exact', async () => {
    const t = await createTestApp({ env: { AUTOPACK_ENABLE_CONSOLIDATED_METRICS: '1' } });
    try {
      const key = await mintApiKey(t, ['runs:read', 'runs:write']);
      const body = startBody();
      const runId = body.run.run_id;
      await request(t.http).post('/runs/start').set(key.headers).send(body).expect(201);
      await t.app.get(DataSource).query(
        `INSERT INTO token_savings_events (run_id, category, tokens, recorded_by)
         SELECT $1, 'ab_delta', 1, 'test' FROM generate_series(1, 10001)`,
        [runId],
      );
      const res = await request(t.http)
        .get(`/dashboard/runs/${runId}/consolidated-metrics?limit=1`)
        .set(key.headers);
      expect(res.status).toBe(200);
      // The sums still cover every event: only the count is capped.
      expect(res.body).toMatchObject({
        categories: { ab_delta: 10001 },
        total_savings_events: 10000,
        total_exact: false,
        next_cursor: expect.any(String),
      });
    } finally {
      await t.close();
    }
  });
});
