import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { LIVE_ENV, approve, claim, proposalBody, proposed, storeCredentials } from '../helpers/actions';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { runDir, startRun, writeFiles } from '../helpers/artifacts';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';
import { executorWrites } from '../helpers/runs';

/**
 * OWASP API1:2023 Broken Object Level Authorization. The rules under test (src/access/visibility.ts,
 * src/approvals/decision-rules.ts, docs/GOVERNANCE.md, docs/EXTERNAL_ACTIONS.md):
 * - runs, their artifacts and their external actions: admins (instance key, admin users) and operator+
 *   users see all; viewers and stored API keys see only what they own/proposed — anything else is a 404
 *   indistinguishable from a missing object;
 * - approval and governance requests: the run rule — operators and admins see every request, a stored key
 *   only its own, a viewer none;
 * - API keys: only admin users list or revoke them.
 */
describe('OWASP API1 BOLA: one principal never reads or changes another principal’s objects', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let adminA: TestUser;
  let adminB: TestUser;
  let keyA: TestApiKey;
  let keyB: TestApiKey;
  let viewerA: TestUser;
  let operator: TestUser;
  let runA: string;
  let runB: string;

  const ALL_SCOPES = [
    'runs:read',
    'runs:write',
    'approvals:request',
    'actions:propose',
    'actions:execute',
  ] as const;
  const get = (path: string, headers: Record<string, string>) => request(t.http).get(path).set(headers);

  beforeAll(async () => {
    t = await createTestApp({ env: LIVE_ENV });
    dataSource = t.app.get(DataSource);
    await storeCredentials(t);
    adminA = await createUser(t, { role: 'admin' });
    adminB = await createUser(t, { role: 'admin' });
    keyA = await mintApiKey(t, [...ALL_SCOPES], { name: 'executor-a', createdBy: adminA });
    keyB = await mintApiKey(t, [...ALL_SCOPES], { name: 'executor-b', createdBy: adminB });
    viewerA = await createUser(t, { role: 'viewer' });
    operator = await createUser(t, { role: 'operator' });
    runA = await startRun(t, keyA.headers);
    runB = await startRun(t, keyB.headers);
    writeFiles(runDir(t, runA), { 'logs/build.log': 'secret build output of A\n' });
  });
  afterAll(() => t.close());

  describe('runs and artifacts', () => {
    const runReads = (runId: string) => [
      `/runs/${runId}`,
      `/runs/${runId}/progress`,
      `/runs/${runId}/issues/index`,
      `/runs/${runId}/errors`,
      `/runs/${runId}/errors/summary`,
      `/dashboard/runs/${runId}/status`,
      `/runs/${runId}/artifacts/index`,
      `/runs/${runId}/artifacts/file?path=logs/build.log`,
      `/runs/${runId}/browser/artifacts`,
    ];

    it('another executor key and a viewer get 404 for every read of a run, exactly as for a missing run', async () => {
      for (const headers of [keyB.headers, viewerA.auth]) {
        for (const path of runReads(runA)) {
          const theirs = await get(path, headers);
          const missing = await get(path.replace(runA, 'no-such-run'), headers);
          expect([path, theirs.status]).toEqual([path, 404]);
          expect(theirs.body.message.replace(runA, 'ID')).toBe(
            missing.body.message.replace('no-such-run', 'ID'),
          );
          expect(theirs.text).not.toContain('secret build output');
        }
      }
    });

    it('the owner key, operators, admin users and the instance key read the run and its artifacts', async () => {
      for (const headers of [keyA.headers, operator.auth, adminB.auth, { 'X-API-Key': TEST_INSTANCE_KEY }]) {
        for (const path of runReads(runA))
          expect([path, (await get(path, headers)).status]).toEqual([path, 200]);
      }
    });

    it('lists only own runs to keys and viewers, every run to operators', async () => {
      const ids = async (headers: Record<string, string>) =>
        (await get('/runs?limit=100', headers)).body.runs.map((r: { id: string }) => r.id);
      expect(await ids(keyA.headers)).toEqual([runA]);
      expect(await ids(keyB.headers)).toEqual([runB]);
      expect(await ids(viewerA.auth)).toEqual([]);
      expect((await ids(operator.auth)).sort()).toEqual([runA, runB].sort());
      expect(JSON.stringify((await get('/project/issues/backlog', keyB.headers)).body)).not.toContain(runA);
    });

    it('another executor key cannot write to the run (404) and the run is unchanged', async () => {
      const before = (await get(`/runs/${runA}`, keyA.headers)).body;
      for (const res of await executorWrites(t, runA, keyB.headers)) expect(res.status).toBe(404);
      const after = (await get(`/runs/${runA}`, keyA.headers)).body;
      expect(after).toEqual(before);
      expect((await get(`/runs/${runA}/errors`, keyA.headers)).body.errors ?? []).toHaveLength(0);
    });
  });

  describe('approval requests and governance requests', () => {
    let approvalA: string;

    beforeAll(async () => {
      const res = await request(t.http)
        .post('/approval/request')
        .set(keyA.headers)
        .send({ run_id: runA, phase_id: 'P1', context: 'delete files', decision_info: { why: 'A only' } });
      expect(res.status).toBe(200);
      approvalA = res.body.approval_id;
      const gov = await request(t.http)
        .post('/governance/requests')
        .set(keyA.headers)
        .send({ run_id: runA, phase_id: 'P1', paths: ['src/secret/a.ts'], reason: 'A only' });
      expect(gov.status).toBe(201);
    });

    it("a key cannot ask for approval, or governance, on another key's run (404), and nothing is stored", async () => {
      const count = async (table: string) =>
        Number((await dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
      const approvals = await count('approval_requests');
      const governance = await count('governance_requests');
      const approval = await request(t.http)
        .post('/approval/request')
        .set(keyB.headers)
        .send({ run_id: runA, phase_id: 'P1' });
      const gov = await request(t.http)
        .post('/governance/requests')
        .set(keyB.headers)
        .send({ run_id: runA, phase_id: 'P1', paths: ['docs/x.md'], reason: 'not my run' });
      expect([approval.status, gov.status]).toEqual([404, 404]);
      expect([await count('approval_requests'), await count('governance_requests')]).toEqual([
        approvals,
        governance,
      ]);
    });

    it("another key neither reads nor lists the owner's requests (404 as for an unknown id)", async () => {
      const theirs = await get(`/approval/status/${approvalA}`, keyB.headers);
      const unknown = await get(`/approval/status/${randomUUID()}`, keyB.headers);
      expect([theirs.status, unknown.status]).toEqual([404, 404]);
      expect((await get('/approval/pending', keyB.headers)).body.approvals).toEqual([]);
      expect((await get('/governance/pending', keyB.headers)).body.requests).toEqual([]);
      expect((await get(`/approval/status/${approvalA}`, keyA.headers)).status).toBe(200);
      expect((await get('/governance/pending', keyA.headers)).body.requests).toHaveLength(1);
    });

    it('operators and admins see every request, a viewer none (the run rule), and only an operator who is not behind the key decides', async () => {
      for (const who of [operator, adminB]) {
        const pending = await get('/approval/pending', who.auth);
        expect(pending.body.approvals.map((a: { approval_id: string }) => a.approval_id)).toContain(
          approvalA,
        );
      }
      // A viewer sees no run of keyA, so none of its requests: not listed, and 404 like an unknown id.
      expect((await get('/approval/pending', viewerA.auth)).body.approvals).toEqual([]);
      expect((await get(`/approval/status/${approvalA}`, viewerA.auth)).status).toBe(404);
      expect((await get('/governance/pending', viewerA.auth)).body.requests).toEqual([]);
      const decide = (who: TestUser) =>
        request(t.http)
          .post(`/approval/${approvalA}/decision`)
          .set(who.auth)
          .send({ decision: 'approve', comment: 'ok' });
      expect((await decide(viewerA)).status).toBe(403);
      // adminA minted keyA: deciding keyA's request would be self-approval.
      expect((await decide(adminA)).status).toBe(403);
      expect((await get(`/approval/status/${approvalA}`, keyA.headers)).body.status).toBe('pending');
      expect((await decide(operator)).status).toBe(200);
    });
  });

  describe('external actions', () => {
    it("another key cannot read, list, export, withdraw, claim or report on the owner's action (404)", async () => {
      const action = await proposed(t, keyA, { run_id: runA });
      const approvedRes = await approve(t, operator, action.id, action.payload_hash);
      expect(approvedRes.body.status).toBe('APPROVED');

      expect((await get(`/external-actions/${action.id}`, keyB.headers)).status).toBe(404);
      expect((await get(`/external-actions/${action.id}`, viewerA.auth)).status).toBe(404);
      const list = await get('/external-actions?limit=100', keyB.headers);
      expect(list.body.actions.map((a: { id: string }) => a.id)).not.toContain(action.id);
      const exported = await get(`/external-actions/runs/${runA}/export`, keyB.headers);
      expect(exported.body.actions).toEqual([]);

      const withdraw = await request(t.http)
        .post(`/external-actions/${action.id}/withdraw`)
        .set(keyB.headers)
        .send({ reason: 'not mine' });
      expect(withdraw.status).toBe(404);
      expect((await claim(t, keyB, action.id, action.payload_hash)).status).toBe(404);

      const granted = await claim(t, keyA, action.id, action.payload_hash);
      expect(granted.status).toBe(200);
      const outcome = await request(t.http)
        .post(`/external-actions/${action.id}/outcome`)
        .set(keyB.headers)
        .send({ attempt_id: granted.body.attempt_id, result_status: 'success', actual_spend_cents: 0 });
      expect(outcome.status).toBe(404);
      const [row] = await dataSource.query(
        'SELECT status, result_status FROM external_actions WHERE id = $1',
        [action.id],
      );
      expect(row).toEqual({ status: 'EXECUTING', result_status: null });
      expect((await get(`/external-actions/${action.id}`, operator.auth)).status).toBe(200);
    });

    it("a key cannot attach a proposal to another key's run (422) and nothing is stored", async () => {
      const res = await request(t.http)
        .post('/external-actions')
        .set(keyB.headers)
        .set('Idempotency-Key', randomUUID())
        .send(proposalBody({ run_id: runA }));
      expect(res.status).toBe(422);
      const rows = await dataSource.query(
        'SELECT 1 FROM external_actions WHERE proposed_by = $1 AND run_id = $2',
        [keyB.principalId, runA],
      );
      expect(rows).toEqual([]);
    });
  });

  describe('API keys', () => {
    it('a viewer, an operator and a stored key (whatever its scopes) cannot list or revoke keys (403)', async () => {
      for (const headers of [viewerA.auth, operator.auth, keyB.headers]) {
        const list = await get('/api/auth/api-keys', headers);
        expect(list.status).toBe(403);
        expect(list.text).not.toContain(keyA.id);
        expect((await request(t.http).delete(`/api/auth/api-keys/${keyA.id}`).set(headers)).status).toBe(403);
      }
      // Key A is untouched and still works.
      const [row] = await dataSource.query('SELECT revoked_at FROM api_keys WHERE id = $1', [keyA.id]);
      expect(row.revoked_at).toBeNull();
      expect((await get(`/runs/${runA}`, keyA.headers)).status).toBe(200);
    });

    it('a key cannot revoke itself or another key through the machine interface', async () => {
      for (const id of [keyA.id, keyB.id]) {
        expect((await request(t.http).delete(`/api/auth/api-keys/${id}`).set(keyA.headers)).status).toBe(403);
      }
      expect((await get(`/runs/${runB}`, keyB.headers)).status).toBe(200);
    });
  });
});
