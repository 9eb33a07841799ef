import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { LIVE_ENV, proposalBody, proposed } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { startRun } from '../helpers/artifacts';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';
import { phasePath, startBody } from '../helpers/runs';

/** The `loc`s of a 422's `detail` that name a forbidden extra field. */
const extraFields = (res: request.Response): string[] =>
  (res.body.detail ?? [])
    .filter((d: { type: string }) => d.type === 'extra_forbidden')
    .map((d: { loc: string[] }) => d.loc.join('.'));

/**
 * OWASP API3:2023 Broken Object Property Level Authorization (mass assignment). Fields that the server
 * alone decides — owner, creator, state/status, decider, payload hash, role, key secret — are refused with
 * 422 (`extra_forbidden`) when a client sends them, and the request changes nothing: each test reads the
 * state back through the API.
 */
describe('OWASP API3 mass assignment: server-owned properties sent by a client are refused and change nothing', () => {
  let t: TestApp;
  let admin: TestUser;
  let operator: TestUser;
  let executor: TestApiKey;
  let runId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: LIVE_ENV });
    admin = await createUser(t, { role: 'admin' });
    operator = await createUser(t, { role: 'operator' });
    executor = await mintApiKey(t, ['runs:read', 'runs:write', 'approvals:request', 'actions:propose'], {
      createdBy: admin,
    });
    runId = await startRun(t, executor.headers);
  });
  afterAll(() => t.close());

  const asExecutor = (path: string, body: object) =>
    request(t.http).post(path).set(executor.headers).send(body);

  it.each([
    ['owner_principal_id', { owner_principal_id: 'apikey:instance' }],
    ['owner', { owner: 'user:00000000-0000-4000-8000-000000000000' }],
    ['created_by', { created_by: 'apikey:instance' }],
    ['state', { state: 'DONE_SUCCESS' }],
    ['status', { status: 'DONE_SUCCESS' }],
    ['tokens_used', { tokens_used: 0 }],
  ])('run start: run.%s → 422 and no run is created', async (field, extra) => {
    const body = startBody({ run: extra });
    const res = await asExecutor('/runs/start', body);
    expect(res.status).toBe(422);
    expect(extraFields(res)).toEqual([`body.run.${field}`]);
    expect((await request(t.http).get(`/runs/${body.run.run_id}`).set(operator.auth)).status).toBe(404);
  });

  it('run start: top-level owner/state and a phase state → 422 and no run is created', async () => {
    const body = startBody();
    const phases = body.phases.map((p, i) => (i === 0 ? { ...p, state: 'COMPLETE' } : p));
    const res = await asExecutor('/runs/start', { ...body, phases, owner: 'apikey:instance', state: 'DONE' });
    expect(res.status).toBe(422);
    expect(extraFields(res).sort()).toEqual(['body.owner', 'body.phases.0.state', 'body.state']);
    expect((await request(t.http).get(`/runs/${body.run.run_id}`).set(operator.auth)).status).toBe(404);
  });

  it('phase status update: owner and run state in the body → 422 and the phase keeps its state', async () => {
    const res = await asExecutor(phasePath(runId, 'P1', 'update_status'), {
      state: 'EXECUTING',
      owner_principal_id: 'apikey:instance',
      run_state: 'DONE_SUCCESS',
    });
    expect(res.status).toBe(422);
    const run = await request(t.http).get(`/runs/${runId}`).set(operator.auth);
    expect(run.body.state).toBe('RUN_CREATED');
    expect(run.body.owner_principal_id).toBe(executor.principalId);
    expect(run.body.phases[0].state).toBe('QUEUED');
  });

  it.each([
    ['status', { status: 'approved' }],
    ['decided_by', { decided_by: 'user:00000000-0000-4000-8000-000000000000' }],
    ['requested_by', { requested_by: 'apikey:instance' }],
    ['approved_by', { approved_by: 'policy:AUTO_APPROVE_BUILD113' }],
  ])('approval request: %s → 422 and no request is stored', async (field, extra) => {
    const res = await asExecutor('/approval/request', { run_id: runId, phase_id: 'P1', ...extra });
    expect(res.status).toBe(422);
    expect(extraFields(res)).toEqual([`body.${field}`]);
    expect((await request(t.http).get('/approval/pending').set(operator.auth)).body.approvals).toEqual([]);
  });

  it('governance request: status and requested_by → 422 and no request is stored', async () => {
    const res = await asExecutor('/governance/requests', {
      run_id: runId,
      phase_id: 'P1',
      paths: ['docs/readme.md'],
      reason: 'r',
      status: 'approved',
      requested_by: 'user:00000000-0000-4000-8000-000000000000',
    });
    expect(res.status).toBe(422);
    expect(extraFields(res).sort()).toEqual(['body.requested_by', 'body.status']);
    expect((await request(t.http).get('/governance/pending').set(operator.auth)).body.requests).toEqual([]);
  });

  it('decisions take the decider from the token: approved_by/decided_by in a decision body → 422, still pending', async () => {
    const asked = await asExecutor('/approval/request', { run_id: runId, phase_id: 'P2' });
    expect(asked.status).toBe(200);
    const id = asked.body.approval_id;
    const res = await request(t.http)
      .post(`/approval/${id}/decision`)
      .set(operator.auth)
      .send({ decision: 'approve', comment: 'ok', decided_by: admin.principalId, approved_by: 'x' });
    expect(res.status).toBe(422);
    const status = await request(t.http).get(`/approval/status/${id}`).set(operator.auth);
    expect(status.body).toMatchObject({ status: 'pending', decided_by: null });
  });

  it.each([
    ['status', { status: 'APPROVED' }],
    ['payload_hash', { payload_hash: 'a'.repeat(64) }],
    ['approved_payload_hash', { approved_payload_hash: 'a'.repeat(64) }],
    ['proposed_by', { proposed_by: 'user:00000000-0000-4000-8000-000000000000' }],
    ['tier', { tier: 'A' }],
    ['approvals', { approvals: [{ by: 'user:x', payload_hash: 'a'.repeat(64) }] }],
    ['approved_by', { approved_by: 'user:x' }],
  ])('external action proposal: %s → 422 and no action is stored', async (field, extra) => {
    const body = { ...proposalBody(), ...extra };
    const res = await request(t.http)
      .post('/external-actions')
      .set(executor.headers)
      .set('Idempotency-Key', randomUUID())
      .send(body);
    expect(res.status).toBe(422);
    expect(extraFields(res)).toEqual([`body.${field}`]);
    const all = await request(t.http).get('/external-actions?limit=100').set(operator.auth);
    expect(all.body.actions.filter((a: { summary: string }) => a.summary === body.summary)).toEqual([]);
    expect(all.body.actions.filter((a: { status: string }) => a.status !== 'PENDING')).toEqual([]);
  });

  it('external action approval: an approvals list or a status in the body → 422, the action stays PENDING', async () => {
    const action = await proposed(t, executor);
    const res = await request(t.http)
      .post(`/external-actions/${action.id}/approve`)
      .set(operator.auth)
      .send({ payload_hash: action.payload_hash, status: 'APPROVED', approved_by: admin.principalId });
    expect(res.status).toBe(422);
    const after = await request(t.http).get(`/external-actions/${action.id}`).set(operator.auth);
    expect(after.body).toMatchObject({ status: 'PENDING', approvals: [], approved_payload_hash: null });
  });

  it.each([
    ['username', { username: 'renamed-admin' }],
    ['password_hash', { password_hash: '$argon2id$v=19$m=19456,t=2,p=1$x$y' }],
    ['id', { id: '00000000-0000-4000-8000-000000000000' }],
    ['principal_id', { principal_id: 'apikey:instance' }],
  ])(
    'user patch: %s (even with a valid role change) → 422 and the user is unchanged',
    async (field, extra) => {
      const target = await createUser(t, { role: 'viewer' });
      const res = await request(t.http)
        .patch(`/api/auth/users/${target.id}`)
        .set(admin.auth)
        .send({ role: 'admin', ...extra });
      expect(res.status).toBe(422);
      expect(extraFields(res)).toEqual([`body.${field}`]);
      const users = await request(t.http).get('/api/auth/users?limit=100').set(admin.auth);
      expect(users.body.users.find((u: { id: string }) => u.id === target.id)).toMatchObject({
        username: target.username,
        role: 'viewer',
        disabled: false,
      });
      // The user's own token still carries viewer rights only.
      expect((await request(t.http).get('/api/auth/users').set(target.auth)).status).toBe(403);
    },
  );

  it('registration: a role in the body → 422 and no user is created', async () => {
    const username = `self-admin-${Date.now()}`;
    const res = await request(t.http)
      .post('/api/auth/register')
      .send({ username, password: 'a long enough password', role: 'admin' });
    expect(res.status).toBe(422);
    expect(extraFields(res)).toEqual(['body.role']);
    const users = await request(t.http).get('/api/auth/users?limit=100').set(admin.auth);
    expect(users.body.users.map((u: { username: string }) => u.username)).not.toContain(username);
  });

  it.each([
    ['key', { key: 'apk_000000000000_chosen-by-the-client-chosen-by-the-client-xx' }],
    ['secret_hash', { secret_hash: 'a'.repeat(64) }],
    ['created_by', { created_by: 'user:00000000-0000-4000-8000-000000000000' }],
    ['status', { status: 'active' }],
    ['revoked_at', { revoked_at: null }],
    ['principal_id', { principal_id: 'apikey:instance' }],
    ['prefix', { prefix: 'apk_000000000000' }],
    ['id', { id: '00000000-0000-4000-8000-000000000000' }],
  ])('API key creation: %s → 422 and no key is created', async (field, extra) => {
    const name = `mass-assignment-${field}`;
    const res = await request(t.http)
      .post('/api/auth/api-keys')
      .set(admin.auth)
      .send({ name, scopes: ['runs:read'], ...extra });
    expect(res.status).toBe(422);
    expect(extraFields(res)).toEqual([`body.${field}`]);
    const keys = await request(t.http).get('/api/auth/api-keys?limit=100').set(admin.auth);
    expect(keys.body.api_keys.map((k: { name: string }) => k.name)).not.toContain(name);
  });

  it('API key creation: an owner that is not a user (a key, the instance) → 422 and no key is created', async () => {
    for (const owner of ['apikey:instance', executor.principalId]) {
      const name = `owner-${owner}`;
      const res = await request(t.http)
        .post('/api/auth/api-keys')
        .set(admin.auth)
        .send({ name, scopes: ['runs:read'], owner });
      expect(res.status).toBe(422);
      const keys = await request(t.http).get('/api/auth/api-keys?limit=100').set(admin.auth);
      expect(keys.body.api_keys.map((k: { name: string }) => k.name)).not.toContain(name);
    }
  });
});
