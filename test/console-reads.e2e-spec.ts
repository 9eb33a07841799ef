import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from './helpers/app';
import { withoutImmutability } from './helpers/audit';
import { createUser, mintApiKey, TestApiKey, TestUser } from './helpers/identity';
import { auditorResult, builderResult, phasePath, startBody } from './helpers/runs';

/**
 * The reads the console's run and admin pages use: a phase's builder/auditor results, the audit chain's
 * verification, and an admin's view (and ending) of a user's sessions. Each with who may not.
 */
describe('console reads: phase results, audit verification, a user’s sessions', () => {
  let t: TestApp;
  let admin: TestUser;
  let operator: TestUser;
  let viewer: TestUser;
  let executor: TestApiKey;
  let otherExecutor: TestApiKey;
  let runId: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, { role: 'admin' });
    operator = await createUser(t, { role: 'operator' });
    viewer = await createUser(t, { role: 'viewer' });
    executor = await mintApiKey(t, ['runs:read', 'runs:write'], { createdBy: admin });
    otherExecutor = await mintApiKey(t, ['runs:read', 'runs:write'], { createdBy: admin });
    const body = startBody();
    runId = body.run.run_id;
    await request(t.http).post('/runs/start').set(executor.headers).send(body).expect(201);
  });
  afterAll(() => t?.close());

  describe('GET /runs/{run_id}/phases/{phase_id}/results', () => {
    const resultsPath = (run: string, phase: string) => phasePath(run, phase, 'results');

    it('lists the builder reports (with the patch) and auditor reviews, newest first', async () => {
      const post = (action: string, body: object) =>
        request(t.http)
          .post(phasePath(runId, 'P1', action))
          .set(executor.headers)
          .send(body)
          .expect(201);
      await post(
        'builder_result',
        builderResult(runId, 'P1', { patch_content: 'diff --git a/x b/x\n+first\n' }),
      );
      await post(
        'builder_result',
        builderResult(runId, 'P1', { patch_content: 'diff --git a/x b/x\n+second\n' }),
      );
      await post('auditor_result', auditorResult(runId, 'P1', { review_notes: 'needs tests' }));

      const res = await request(t.http).get(resultsPath(runId, 'P1')).set(operator.auth).expect(200);
      expect(res.body.run_id).toBe(runId);
      expect(res.body.phase_id).toBe('P1');
      expect(res.body.builder_results.map((b: { patch_content: string }) => b.patch_content)).toEqual([
        'diff --git a/x b/x\n+second\n',
        'diff --git a/x b/x\n+first\n',
      ]);
      expect(res.body.builder_results[0]).toMatchObject({
        status: 'success',
        files_changed: ['x'],
        lines_added: 1,
      });
      expect(res.body.auditor_results).toEqual([
        expect.objectContaining({ review_notes: 'needs tests', recommendation: 'approve' }),
      ]);
      // The executor that owns the run reads them too; a phase without reports is empty, not missing.
      const own = await request(t.http).get(resultsPath(runId, 'P2')).set(executor.headers).expect(200);
      expect(own.body).toMatchObject({ builder_results: [], auditor_results: [] });
    });

    it('answers 404 for a run the caller may not see, exactly as for a missing run or phase', async () => {
      const hidden = await request(t.http)
        .get(resultsPath(runId, 'P1'))
        .set(otherExecutor.headers)
        .expect(404);
      const missing = await request(t.http)
        .get(resultsPath('no-such-run', 'P1'))
        .set(operator.auth)
        .expect(404);
      expect(hidden.body.message.replace(runId, '<id>')).toBe(
        missing.body.message.replace('no-such-run', '<id>'),
      );
      expect(hidden.text).not.toContain('diff --git');
      await request(t.http).get(resultsPath(runId, 'P1')).set(viewer.auth).expect(404);
      await request(t.http).get(resultsPath(runId, 'P99')).set(operator.auth).expect(404);
      await request(t.http).get(resultsPath(runId, 'P1')).expect(401);
    });
  });

  describe('GET /audit/verify', () => {
    it('is for admins only', async () => {
      await request(t.http).get('/audit/verify').expect(401);
      await request(t.http).get('/audit/verify').set(operator.auth).expect(403);
      await request(t.http).get('/audit/verify').set(viewer.auth).expect(403);
      await request(t.http).get('/audit/verify').set(executor.headers).expect(403);
    });

    it('says the chain is intact with its count and head, then where it breaks once altered', async () => {
      const intact = await request(t.http).get('/audit/verify').set(admin.auth).expect(200);
      expect(intact.body).toMatchObject({ intact: true, head_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(intact.body.count).toBeGreaterThan(3);
      expect(Date.parse(intact.body.verified_at)).not.toBeNaN();

      await withoutImmutability(
        t.app.get(DataSource),
        `UPDATE audit_events SET details = '{"forged": true}' WHERE position = 2`,
      );
      const broken = await request(t.http).get('/audit/verify').set(admin.auth).expect(200);
      expect(broken.body).toMatchObject({ intact: false, count: 1, position: 2, problem: 'altered_event' });
      expect(broken.body.message).toMatch(/position 2/);
      expect(broken.body.head_hash).toBeUndefined();
    });
  });

  describe('GET/DELETE /api/auth/users/{id}/sessions[/{session_id}]', () => {
    it('lists a user’s active sessions and ends one of them, for admins only', async () => {
      const someone = await createUser(t, { role: 'operator' });
      const listed = await request(t.http)
        .get(`/api/auth/users/${someone.id}/sessions`)
        .set(admin.auth)
        .expect(200);
      expect(listed.body.sessions).toEqual([
        expect.objectContaining({ id: someone.sessionId, method: 'password', current: false }),
      ]);

      // Neither an operator nor the user themselves may use the admin route.
      await request(t.http).get(`/api/auth/users/${someone.id}/sessions`).set(operator.auth).expect(403);
      await request(t.http).get(`/api/auth/users/${someone.id}/sessions`).set(someone.auth).expect(403);
      await request(t.http)
        .delete(`/api/auth/users/${someone.id}/sessions/${someone.sessionId}`)
        .set(operator.auth)
        .expect(403);

      // A session id must belong to the user named in the path.
      await request(t.http)
        .delete(`/api/auth/users/${someone.id}/sessions/${operator.sessionId}`)
        .set(admin.auth)
        .expect(404);
      await request(t.http).get('/api/auth/me').set(operator.auth).expect(200);

      await request(t.http)
        .delete(`/api/auth/users/${someone.id}/sessions/${someone.sessionId}`)
        .set(admin.auth)
        .expect(204);
      await request(t.http).get('/api/auth/me').set(someone.auth).expect(401);
      const after = await request(t.http)
        .get(`/api/auth/users/${someone.id}/sessions`)
        .set(admin.auth)
        .expect(200);
      expect(after.body.sessions).toEqual([]);
      await request(t.http)
        .delete(`/api/auth/users/${someone.id}/sessions/${someone.sessionId}`)
        .set(admin.auth)
        .expect(404);

      const audit = await request(t.http)
        .get('/audit/events')
        .query({ subject_type: 'session', subject_id: someone.sessionId })
        .set(admin.auth)
        .expect(200);
      expect(audit.body.events.map((e: { event_type: string }) => e.event_type)).toContain('session.revoked');
    });

    it('refuses malformed ids with 400 and an unknown user with 404', async () => {
      await request(t.http).get('/api/auth/users/not-a-uuid/sessions').set(admin.auth).expect(400);
      await request(t.http)
        .delete(`/api/auth/users/${admin.id}/sessions/not-a-uuid`)
        .set(admin.auth)
        .expect(400);
      await request(t.http)
        .get('/api/auth/users/00000000-0000-4000-8000-000000000000/sessions')
        .set(admin.auth)
        .expect(404);
    });
  });
});
