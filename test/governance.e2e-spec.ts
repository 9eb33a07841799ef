import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../src/audit/audit-chain.verifier';
import { ConfigError } from '../src/config/config-error';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { createUser, mintApiKey, TestApiKey, TestUser } from './helpers/identity';
import { startBody } from './helpers/runs';

const EXECUTOR_SCOPES = ['runs:read', 'runs:write', 'approvals:request'] as const;

async function startRun(t: TestApp, key: TestApiKey): Promise<string> {
  const body = startBody();
  expect((await request(t.http).post('/runs/start').set(key.headers).send(body)).status).toBe(201);
  return body.run.run_id;
}

describe('governance: approval requests (legacy executor flow)', () => {
  let t: TestApp;
  let ds: DataSource;
  let owner: TestUser; // a person who owns the executor key below
  let operator: TestUser;
  let executor: TestApiKey;
  let runId: string;

  const ask = (key: TestApiKey = executor) =>
    request(t.http)
      .post('/approval/request')
      .set(key.headers)
      .send({ run_id: runId, phase_id: 'P1', decision_info: { step: 'delete build dir' } });
  const decide = (
    id: string,
    who: { Authorization: string } | { 'X-API-Key': string },
    decision = 'approve',
  ) => request(t.http).post(`/approval/${id}/decision`).set(who).send({ decision, comment: 'looked at it' });

  beforeAll(async () => {
    t = await createTestApp();
    ds = t.app.get(DataSource);
    owner = await createUser(t, { role: 'operator' });
    operator = await createUser(t, { role: 'operator' });
    executor = await mintApiKey(t, [...EXECUTOR_SCOPES], { createdBy: owner });
    runId = await startRun(t, executor);
  });
  afterAll(() => t.close());

  it('is pending by default, and the executor reads its status', async () => {
    const res = await ask();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'pending',
      run_id: runId,
      phase_id: 'P1',
      context: 'unknown',
      decided_by: null,
    });
    const status = await request(t.http)
      .get(`/approval/status/${res.body.approval_id}`)
      .set(executor.headers);
    expect(status.body.status).toBe('pending');
    const pending = await request(t.http).get('/approval/pending').set(operator.auth);
    expect(pending.body.approvals.map((a: { approval_id: string }) => a.approval_id)).toContain(
      res.body.approval_id,
    );
  });

  it('is decided by a human operator, who is recorded from the token with the comment', async () => {
    const { body } = await ask();
    const res = await decide(body.approval_id, operator.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'approved',
      decided_by: operator.principalId,
      decided_by_name: operator.username,
      comment: 'looked at it',
    });
    const [event] = await ds.query(
      `SELECT actor_id, details FROM audit_events WHERE event_type = 'approval.approved' AND subject_id = $1`,
      [body.approval_id],
    );
    expect(event.actor_id).toBe(operator.principalId);
  });

  it('refuses a second decision with 409', async () => {
    const { body } = await ask();
    expect((await decide(body.approval_id, operator.auth, 'reject')).status).toBe(200);
    const again = await decide(body.approval_id, operator.auth, 'approve');
    expect(again.status).toBe(409);
    expect(
      (await request(t.http).get(`/approval/status/${body.approval_id}`).set(operator.auth)).body.status,
    ).toBe('rejected');
  });

  it('refuses self-approval: the person who owns the requesting key cannot decide', async () => {
    const { body } = await ask();
    const res = await decide(body.approval_id, owner.auth);
    expect(res.status).toBe(403);
    expect(
      (await request(t.http).get(`/approval/status/${body.approval_id}`).set(operator.auth)).body.status,
    ).toBe('pending');
  });

  it('refuses machines (even the admin instance key) and viewers', async () => {
    const { body } = await ask();
    expect([401, 403]).toContain((await decide(body.approval_id, { 'X-API-Key': TEST_INSTANCE_KEY })).status);
    expect([401, 403]).toContain((await decide(body.approval_id, executor.headers)).status);
    const viewer = await createUser(t, { role: 'viewer' });
    expect((await decide(body.approval_id, viewer.auth)).status).toBe(403);
    expect(
      (await request(t.http).get(`/approval/status/${body.approval_id}`).set(operator.auth)).body.status,
    ).toBe('pending');
  });

  it('takes no approver from the body or the query', async () => {
    const { body } = await ask();
    const res = await request(t.http)
      .post(`/approval/${body.approval_id}/decision?approver=${owner.username}`)
      .set(operator.auth)
      .send({ decision: 'approve', comment: 'x', approver: owner.username });
    expect(res.status).toBe(422);
  });

  it('times out, fails closed, and can never become approved', async () => {
    const { body } = await ask();
    await ds.query(`UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      body.approval_id,
    ]);
    const res = await decide(body.approval_id, operator.auth);
    expect(res.status).toBe(409);
    const status = await request(t.http).get(`/approval/status/${body.approval_id}`).set(executor.headers);
    expect(status.body.status).toBe('timeout');
    const [event] = await ds.query(
      `SELECT actor_id FROM audit_events WHERE event_type = 'approval.timed_out' AND subject_id = $1`,
      [body.approval_id],
    );
    expect(event.actor_id).toBe('system:approval-expiry');
  });

  it('leaves an overdue request out of the pending list without writing; a read by id records the timeout', async () => {
    const { body } = await ask();
    const pendingIds = async () =>
      (await request(t.http).get('/approval/pending').set(executor.headers)).body.approvals.map(
        (a: { approval_id: string }) => a.approval_id,
      );
    expect(await pendingIds()).toContain(body.approval_id);
    await ds.query(`UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      body.approval_id,
    ]);
    expect(await pendingIds()).not.toContain(body.approval_id);
    // The list read wrote nothing: the row is still as the expiry left it until a sweep or a read by id.
    const [row] = await ds.query(`SELECT status FROM approval_requests WHERE id = $1`, [body.approval_id]);
    expect(row.status).toBe('pending');
    const inbox = await request(t.http).get(`/inbox/approval/${body.approval_id}`).set(operator.auth);
    expect(inbox.status).toBe(404);
    const [after] = await ds.query(`SELECT status FROM approval_requests WHERE id = $1`, [body.approval_id]);
    expect(after.status).toBe('timeout');
  });

  it("hides another executor's requests (404) and refuses requests on runs it cannot see", async () => {
    const { body } = await ask();
    const other = await mintApiKey(t, [...EXECUTOR_SCOPES]);
    expect(
      (await request(t.http).get(`/approval/status/${body.approval_id}`).set(other.headers)).status,
    ).toBe(404);
    expect((await request(t.http).get('/approval/pending').set(other.headers)).body.total).toBe(0);
    expect((await ask(other)).status).toBe(404);
  });

  it('keeps the audit chain intact', async () => {
    expect(await verifyAuditChain(ds)).toMatchObject({ intact: true });
  });
});

describe('governance: AUTO_APPROVE_BUILD113', () => {
  it.each([
    ['development', 'true', 'approved'],
    ['development', 'false', 'pending'],
    ['production', 'true', 'pending'],
  ])('in %s with the flag %s a request is %s', async (env, flag, expected) => {
    const t = await createTestApp({ env: { AUTOPACK_ENV: env, AUTO_APPROVE_BUILD113: flag } });
    try {
      const key = await mintApiKey(t, [...EXECUTOR_SCOPES]);
      const runId = await startRun(t, key);
      const res = await request(t.http)
        .post('/approval/request')
        .set(key.headers)
        .send({ run_id: runId, phase_id: 'P1' });
      expect(res.body.status).toBe(expected);
    } finally {
      await t.close();
    }
  });
});

describe('governance: path-based change requests', () => {
  let t: TestApp;
  let executor: TestApiKey;
  let operator: TestUser;
  let runId: string;
  const ask = (paths: string[]) =>
    request(t.http)
      .post('/governance/requests')
      .set(executor.headers)
      .send({ run_id: runId, phase_id: 'P2', paths, reason: 'refactor' });

  beforeAll(async () => {
    t = await createTestApp();
    executor = await mintApiKey(t, [...EXECUTOR_SCOPES]);
    operator = await createUser(t, { role: 'operator' });
    runId = await startRun(t, executor);
  });
  afterAll(() => t.close());

  it('approves by policy only when every path is auto-approvable, saying which rule decided', async () => {
    const res = await ask(['./scripts//build.sh', 'examples/demo.py']);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('approved');
    expect(res.body.decided_by).toBe('policy:governance-policy');
    expect(res.body.paths).toEqual([
      {
        path: './scripts//build.sh',
        normalized: 'scripts/build.sh',
        decision: 'auto_approve',
        rule: 'scripts/**',
      },
      {
        path: 'examples/demo.py',
        normalized: 'examples/demo.py',
        decision: 'auto_approve',
        rule: 'examples/**',
      },
    ]);
  });

  it.each([
    [['./docs/a.md'], 'docs/**'],
    [['docs//a'], 'docs/**'],
    [['scripts/../src/x.ts'], 'src/**'],
    [['scripts/ok.sh', 'scripts/.env'], '**/.env*'],
    [['SCRIPTS/x'], 'default-deny'],
    [['README.md'], 'default-deny'],
  ])('keeps %j pending for a human (%s)', async (paths, rule) => {
    const res = await ask(paths);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');
    expect(res.body.paths.map((p: { rule: string }) => p.rule)).toContain(rule);
  });

  it.each([['..\\src\\x'], ['/etc/passwd'], [''], ['C:/x'], ['a/../../b']])(
    'refuses %j with 422 and stores nothing',
    async (path) => {
      const before = (await request(t.http).get('/governance/pending').set(operator.auth)).body.total;
      const res = await ask(['scripts/fine.sh', path]);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['body', 'paths', 1]);
      expect((await request(t.http).get('/governance/pending').set(operator.auth)).body.total).toBe(before);
    },
  );

  it('is decided by a human operator, not twice, not by machines', async () => {
    const { body } = await ask(['src/main.ts']);
    const decide = (who: Record<string, string>, approved = true) =>
      request(t.http)
        .post(`/governance/approve/${body.request_id}`)
        .set(who)
        .send({ approved, comment: 'reviewed' });
    expect([401, 403]).toContain((await decide(executor.headers)).status);
    const ok = await decide(operator.auth);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'approved', decided_by: operator.principalId });
    expect((await decide(operator.auth, false)).status).toBe(409);
  });
});

describe('governance: policy validation at start', () => {
  it('refuses to start with an invalid policy file, saying why', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'autopack-bad-policy-')), 'policy.yaml');
    writeFileSync(file, 'never_auto_approve: []\nauto_approve: []\n');
    await expect(createTestApp({ env: { AUTOPACK_GOVERNANCE_POLICY_FILE: file } })).rejects.toThrow(
      ConfigError,
    );
    await expect(createTestApp({ env: { AUTOPACK_GOVERNANCE_POLICY_FILE: file } })).rejects.toThrow(
      /never_auto_approve must be a non-empty list/,
    );
  });
});
