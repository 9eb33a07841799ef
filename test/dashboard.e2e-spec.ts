import request from 'supertest';
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
