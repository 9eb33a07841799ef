import request from 'supertest';
import { DataSource } from 'typeorm';
import { LIVE_ENV, approve, approved, claim, proposed, storeCredentials } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { startRun } from '../helpers/artifacts';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';

const LIMIT = 2;

/** Sends `attempts` in order and returns their responses. */
async function inOrder(attempts: Array<() => Promise<request.Response>>): Promise<request.Response[]> {
  const responses: request.Response[] = [];
  for (const attempt of attempts) responses.push(await attempt());
  return responses;
}

function expectThrottledAfterLimit(responses: request.Response[], okStatus: number) {
  expect(responses.map((r) => r.status)).toEqual([...Array(LIMIT).fill(okStatus), 429]);
  const refused = responses[LIMIT];
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
}

/**
 * OWASP API6:2023 Unrestricted Access to Sensitive Business Flows: human decisions (approval and
 * governance requests, external action approve/reject), execution claims and login each have their own
 * budget (set to 2 a minute here through their environment variables), shared by every route that carries
 * it. The request past the budget is a
 * 429 with Retry-After and has no effect; the budget is per principal, so another one is unaffected.
 */
describe('OWASP API6 sensitive business flows: decisions, claims and login are throttled', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let executor: TestApiKey;
  let runId: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        ...LIVE_ENV,
        AUTOPACK_RATE_LIMIT_DECISIONS_PER_MINUTE: String(LIMIT),
        AUTOPACK_RATE_LIMIT_ACTIONS_APPROVE_PER_MINUTE: String(LIMIT),
        AUTOPACK_RATE_LIMIT_ACTIONS_CLAIM_PER_MINUTE: String(LIMIT),
        AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      },
    });
    dataSource = t.app.get(DataSource);
    await storeCredentials(t);
    executor = await mintApiKey(t, [
      'runs:read',
      'runs:write',
      'approvals:request',
      'actions:propose',
      'actions:execute',
    ]);
    runId = await startRun(t, executor.headers);
  });
  afterAll(() => t.close());

  const askApproval = async () =>
    (
      await request(t.http)
        .post('/approval/request')
        .set(executor.headers)
        .send({ run_id: runId, phase_id: 'P1' })
        .expect(200)
    ).body.approval_id as string;
  const askGovernance = async () =>
    (
      await request(t.http)
        .post('/governance/requests')
        .set(executor.headers)
        .send({ run_id: runId, phase_id: 'P1', paths: ['src/core/engine.ts'], reason: 'needs a human' })
        .expect(201)
    ).body.request_id as string;

  it('approval decisions: the third decision within a minute is 429 and that request stays pending', async () => {
    const operator = await createUser(t, { role: 'operator' });
    const ids = [await askApproval(), await askApproval(), await askApproval()];
    const decide = (id: string, who: TestUser) =>
      request(t.http)
        .post(`/approval/${id}/decision`)
        .set(who.auth)
        .send({ decision: 'approve', comment: 'ok' });
    const responses = await inOrder(ids.map((id) => () => decide(id, operator)));
    expectThrottledAfterLimit(responses, 200);
    const status = await request(t.http).get(`/approval/status/${ids[2]}`).set(operator.auth);
    expect(status.body.status).toBe('pending');
    // Another operator has a budget of their own.
    const other = await createUser(t, { role: 'operator' });
    expect((await decide(ids[2], other)).status).toBe(200);
  });

  it('governance decisions: the third decision within a minute is 429 and that request stays pending', async () => {
    const operator = await createUser(t, { role: 'operator' });
    const ids = [await askGovernance(), await askGovernance(), await askGovernance()];
    expect(ids.every(Boolean)).toBe(true);
    const responses = await inOrder(
      ids.map(
        (id) => () =>
          request(t.http)
            .post(`/governance/approve/${id}`)
            .set(operator.auth)
            .send({ approved: true, comment: 'ok' }),
      ),
    );
    expectThrottledAfterLimit(responses, 200);
    const pending = await request(t.http).get('/governance/pending').set(operator.auth);
    expect(pending.body.requests.map((r: { request_id: string }) => r.request_id)).toEqual([ids[2]]);
  });

  it('a named budget is shared by its routes: an approval decision then a governance decision exhaust "decisions"', async () => {
    const operator = await createUser(t, { role: 'operator' });
    const [approval, governance, last] = [await askApproval(), await askGovernance(), await askGovernance()];
    const responses = await inOrder([
      () =>
        request(t.http)
          .post(`/approval/${approval}/decision`)
          .set(operator.auth)
          .send({ decision: 'approve', comment: 'ok' }),
      ...[governance, last].map(
        (id) => () =>
          request(t.http)
            .post(`/governance/approve/${id}`)
            .set(operator.auth)
            .send({ approved: true, comment: 'ok' }),
      ),
    ]);
    expectThrottledAfterLimit(responses, 200);
  });

  it('external action approvals: the third approval within a minute is 429 and that action stays PENDING', async () => {
    const operator = await createUser(t, { role: 'operator' });
    const actions = [await proposed(t, executor), await proposed(t, executor), await proposed(t, executor)];
    const responses = await inOrder(actions.map((a) => () => approve(t, operator, a.id, a.payload_hash)));
    expectThrottledAfterLimit(responses, 200);
    const [row] = await dataSource.query('SELECT status, approvals FROM external_actions WHERE id = $1', [
      actions[2].id,
    ]);
    expect(row).toEqual({ status: 'PENDING', approvals: [] });
  });

  it('external action rejections: the third rejection within a minute is 429 and that action stays PENDING', async () => {
    const operator = await createUser(t, { role: 'operator' });
    const actions = [await proposed(t, executor), await proposed(t, executor), await proposed(t, executor)];
    const reject = (a: { id: string; payload_hash: string }) =>
      request(t.http)
        .post(`/external-actions/${a.id}/reject`)
        .set(operator.auth)
        .send({ payload_hash: a.payload_hash, reason: 'no' });
    const responses = await inOrder(actions.map((a) => () => reject(a)));
    expectThrottledAfterLimit(responses, 200);
    const [row] = await dataSource.query('SELECT status FROM external_actions WHERE id = $1', [
      actions[2].id,
    ]);
    expect(row.status).toBe('PENDING');
  });

  it('execution claims: the third claim within a minute is 429 and that action stays APPROVED', async () => {
    const approvers = [await createUser(t, { role: 'operator' }), await createUser(t, { role: 'operator' })];
    const actions = [
      await approved(t, executor, [approvers[0]]),
      await approved(t, executor, [approvers[0]]),
      await approved(t, executor, [approvers[1]]),
    ];
    const responses = await inOrder(actions.map((a) => () => claim(t, executor, a.id, a.payload_hash)));
    expectThrottledAfterLimit(responses, 200);
    const [row] = await dataSource.query('SELECT status, attempt_count FROM external_actions WHERE id = $1', [
      actions[2].id,
    ]);
    expect(row).toEqual({ status: 'APPROVED', attempt_count: 0 });
  });

  it('login: the third attempt on one username is 429 even with the right password, and issues no token', async () => {
    const user = await createUser(t, { role: 'viewer', password: 'the right password 123' });
    const login = (password: string) =>
      request(t.http).post('/api/auth/login').send({ username: user.username, password });
    const responses = await inOrder([
      () => login('a wrong password 1'),
      () => login('a wrong password 2'),
      () => login('the right password 123'),
    ]);
    expect(responses.map((r) => r.status)).toEqual([401, 401, 429]);
    expect(Number(responses[2].headers['retry-after'])).toBeGreaterThan(0);
    expect(responses[2].body.access_token).toBeUndefined();
  });
});
