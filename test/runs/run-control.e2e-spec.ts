import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { approved, claim, LIVE_ENV, proposed, storeCredentials } from '../helpers/actions';
import { createUser, mintApiKey } from '../helpers/identity';
import type { TestApiKey, TestUser } from '../helpers/identity';
import { builderResult, phasePath, startBody } from '../helpers/runs';

/** An operator's control of a run: cancel, retry a failed phase, raise the budget. */
describe('run control', () => {
  let t: TestApp;
  let db: DataSource;
  let executor: TestApiKey;
  let operator: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...LIVE_ENV, AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '10000' } });
    db = t.app.get(DataSource);
    await storeCredentials(t);
    executor = await mintApiKey(t, [
      'runs:write',
      'runs:read',
      'approvals:request',
      'actions:propose',
      'actions:execute',
    ]);
    operator = await createUser(t, { role: 'operator' });
    viewer = await createUser(t, { role: 'viewer' });
  });
  afterAll(() => t.close());

  const asExecutor = (path: string, body: object) =>
    request(t.http).post(path).set(executor.headers).send(body);
  const asOperator = (path: string, body: object) => request(t.http).post(path).set(operator.auth).send(body);
  const readRun = async (runId: string) =>
    (await request(t.http).get(`/runs/${runId}`).set(operator.auth)).body;

  async function started(options: Parameters<typeof startBody>[0] = {}): Promise<string> {
    const body = startBody(options);
    const res = await asExecutor('/runs/start', body);
    expect(res.status).toBe(201);
    return body.run.run_id;
  }
  const move = (runId: string, phaseId: string, state: string) =>
    asExecutor(phasePath(runId, phaseId, 'update_status'), { state });
  const auditTypes = async (runId: string) =>
    (
      (await db.query('SELECT event_type AS type FROM audit_events WHERE run_id = $1 ORDER BY occurred_at', [
        runId,
      ])) as Array<{
        type: string;
      }>
    ).map((row) => row.type);
  const eventTypes = async (runId: string) =>
    (
      (await db.query('SELECT type FROM events WHERE run_id = $1 ORDER BY id', [runId])) as Array<{
        type: string;
      }>
    ).map((row) => row.type);

  describe('POST /runs/{run_id}/cancel', () => {
    it('cancels in one go: requests withdrawn, actions cancelled, an executing one left and reported', async () => {
      const runId = await started();
      await move(runId, 'P1', 'EXECUTING');
      const approval = await asExecutor('/approval/request', {
        run_id: runId,
        phase_id: 'P1',
        context: 'deploy',
      });
      expect(approval.body.status).toBe('pending');
      const governance = await asExecutor('/governance/requests', {
        run_id: runId,
        phase_id: 'P1',
        paths: ['src/feature.ts'],
        reason: 'a change',
      });
      const pending = await proposed(t, executor, { run_id: runId });
      const approvedAction = await approved(t, executor, [operator], { run_id: runId });
      const running = await approved(t, executor, [operator], { run_id: runId });
      expect((await claim(t, executor, running.id, running.payload_hash)).status).toBe(200);

      const res = await asOperator(`/runs/${runId}/cancel`, { reason: 'going in circles' });
      expect(res.status).toBe(200);
      expect(res.body.run).toMatchObject({
        state: 'CANCELLED',
        cancelled_by: operator.principalId,
        cancel_reason: 'going in circles',
      });
      expect(res.body.run.cancelled_at).toEqual(expect.any(String));
      expect(res.body.withdrawn_approval_requests).toEqual([approval.body.approval_id]);
      if (governance.body.status === 'pending') {
        expect(res.body.withdrawn_governance_requests).toEqual([governance.body.request_id]);
      }
      expect(res.body.cancelled_actions.sort()).toEqual([pending.id, approvedAction.id].sort());
      expect(res.body.executing_actions).toEqual([running.id]);

      // Reads show it; the executor's approval reads as not approved; the actions are cancelled.
      const run = await readRun(runId);
      expect(run).toMatchObject({ state: 'CANCELLED', cancelled_by: operator.principalId });
      const status = await request(t.http)
        .get(`/approval/status/${approval.body.approval_id}`)
        .set(executor.headers);
      expect(status.body.status).toBe('rejected');
      const statuses = (await db.query('SELECT id, status FROM external_actions WHERE run_id = $1', [
        runId,
      ])) as Array<{
        id: string;
        status: string;
      }>;
      const byId = Object.fromEntries(statuses.map((row) => [row.id, row.status]));
      expect(byId[pending.id]).toBe('CANCELLED');
      expect(byId[approvedAction.id]).toBe('CANCELLED');
      expect(byId[running.id]).toBe('EXECUTING');
      // A cancelled action can never be claimed.
      expect((await claim(t, executor, approvedAction.id, approvedAction.payload_hash)).status).toBe(409);

      expect(await auditTypes(runId)).toEqual(
        expect.arrayContaining(['run.cancelled', 'approval.withdrawn', 'action.cancelled']),
      );
      expect(await eventTypes(runId)).toEqual(expect.arrayContaining(['run.cancelled', 'run.state_changed']));
    });

    it('the executor learns it on its next write: 409 with code run_cancelled, on every write', async () => {
      const runId = await started();
      await move(runId, 'P1', 'EXECUTING');
      expect((await asOperator(`/runs/${runId}/cancel`, { reason: 'stop' })).status).toBe(200);
      const writes = [
        asExecutor(phasePath(runId, 'P1', 'update_status'), { state: 'COMPLETE' }),
        asExecutor(phasePath(runId, 'P1', 'builder_result'), builderResult(runId, 'P1')),
        asExecutor(phasePath(runId, 'P1', 'record_issue'), {
          issue_key: 'k',
          severity: 'minor',
          category: 'c',
        }),
      ];
      for (const res of await Promise.all(writes)) {
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('run_cancelled');
        expect(res.body.request_id).toEqual(expect.any(String));
      }
      expect((await readRun(runId)).tokens_used).toBe(0);
    });

    it('is refused (409) on a finished run and a second time, and changes nothing', async () => {
      const runId = await started({ tiers: 1, phasesPerTier: 1 });
      await move(runId, 'P1', 'EXECUTING');
      await move(runId, 'P1', 'COMPLETE');
      const done = await asOperator(`/runs/${runId}/cancel`, { reason: 'too late' });
      expect(done.status).toBe(409);
      expect(done.body.code).toBe('run_finished');
      expect((await readRun(runId)).state).toBe('DONE_SUCCESS');

      const other = await started();
      expect((await asOperator(`/runs/${other}/cancel`, { reason: 'first' })).status).toBe(200);
      const twice = await asOperator(`/runs/${other}/cancel`, { reason: 'second' });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('run_cancelled');
      expect((await readRun(other)).cancel_reason).toBe('first');
    });

    it('is allowed from every state that is not finished (RUN_CREATED and PHASE_EXECUTION)', async () => {
      const fresh = await started();
      expect((await asOperator(`/runs/${fresh}/cancel`, { reason: 'r' })).body.run.state).toBe('CANCELLED');
      const running = await started();
      await move(running, 'P1', 'EXECUTING');
      expect((await readRun(running)).state).toBe('PHASE_EXECUTION');
      expect((await asOperator(`/runs/${running}/cancel`, { reason: 'r' })).body.run.state).toBe('CANCELLED');
    });

    it('needs an operator: a machine key is 401/403, a viewer 403, and nothing changes', async () => {
      const runId = await started();
      const byKey = await request(t.http)
        .post(`/runs/${runId}/cancel`)
        .set(executor.headers)
        .send({ reason: 'x' });
      expect([401, 403]).toContain(byKey.status);
      const byViewer = await request(t.http)
        .post(`/runs/${runId}/cancel`)
        .set(viewer.auth)
        .send({ reason: 'x' });
      expect(byViewer.status).toBe(403);
      expect((await readRun(runId)).state).toBe('RUN_CREATED');
    });

    it.each([
      ['no reason', {}],
      ['an empty reason', { reason: '' }],
      ['a reason over 1000 characters', { reason: 'x'.repeat(1001) }],
      ['an unknown field', { reason: 'r', force: true }],
    ])('refuses %s with a 422 and changes nothing', async (_what, body) => {
      const runId = await started();
      const res = await asOperator(`/runs/${runId}/cancel`, body);
      expect(res.status).toBe(422);
      expect((await readRun(runId)).state).toBe('RUN_CREATED');
    });

    it('an unknown run is a 404', async () => {
      expect((await asOperator('/runs/no-such-run/cancel', { reason: 'r' })).status).toBe(404);
    });
  });

  describe('POST /runs/{run_id}/phases/{phase_id}/retry', () => {
    it('a failed phase goes back to QUEUED with its attempt incremented; the failed run reopens', async () => {
      const runId = await started({ tiers: 1, phasesPerTier: 1 });
      await move(runId, 'P1', 'EXECUTING');
      await move(runId, 'P1', 'FAILED');
      expect((await readRun(runId)).state).toBe('DONE_FAILED_REQUIRES_HUMAN_REVIEW');
      const res = await asOperator(`/runs/${runId}/phases/P1/retry`, {});
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('PHASE_EXECUTION');
      expect(res.body.completed_at).toBeNull();
      expect(res.body.failure_reason).toBeNull();
      expect(res.body.phases[0]).toMatchObject({ state: 'QUEUED', attempt: 2, completed_at: null });
      // The executor carries on.
      expect((await move(runId, 'P1', 'EXECUTING')).status).toBe(200);
      expect((await move(runId, 'P1', 'COMPLETE')).body.run_state).toBe('DONE_SUCCESS');
      expect(await auditTypes(runId)).toContain('phase.retried');
      expect(await eventTypes(runId)).toEqual(
        expect.arrayContaining(['phase.state_changed', 'run.state_changed']),
      );
    });

    it.each(['QUEUED', 'EXECUTING', 'COMPLETE'])(
      'a %s phase cannot be retried (409 phase_not_failed)',
      async (state) => {
        const runId = await started();
        if (state !== 'QUEUED') await move(runId, 'P1', 'EXECUTING');
        if (state === 'COMPLETE') await move(runId, 'P1', 'COMPLETE');
        const res = await asOperator(`/runs/${runId}/phases/P1/retry`, {});
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('phase_not_failed');
        expect((await readRun(runId)).phases[0].attempt).toBe(1);
      },
    );

    it('a cancelled run cannot be retried (409 run_cancelled)', async () => {
      const runId = await started();
      await move(runId, 'P1', 'EXECUTING');
      await move(runId, 'P1', 'FAILED');
      await asOperator(`/runs/${runId}/cancel`, { reason: 'r' });
      const res = await asOperator(`/runs/${runId}/phases/P1/retry`, {});
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('run_cancelled');
    });

    it('a viewer cannot retry (403)', async () => {
      const runId = await started();
      expect(
        (await request(t.http).post(`/runs/${runId}/phases/P1/retry`).set(viewer.auth).send({})).status,
      ).toBe(403);
    });
  });

  describe('PATCH /runs/{run_id} token_cap: the only way out of DONE_FAILED_BUDGET_EXHAUSTED', () => {
    async function exhausted(): Promise<string> {
      const runId = await started({ tiers: 1, phasesPerTier: 2, run: { token_cap: 1000 } });
      await move(runId, 'P1', 'EXECUTING');
      await asExecutor(
        phasePath(runId, 'P1', 'builder_result'),
        builderResult(runId, 'P1', { tokens_used: 1500 }),
      );
      expect((await readRun(runId)).state).toBe('DONE_FAILED_BUDGET_EXHAUSTED');
      return runId;
    }
    const patch = (runId: string, body: object, who: TestUser = operator) =>
      request(t.http).patch(`/runs/${runId}`).set(who.auth).send(body);

    it('retry is refused while out of budget; a higher cap reopens the run, audited and evented', async () => {
      const runId = await exhausted();
      const retry = await asOperator(`/runs/${runId}/phases/P1/retry`, {});
      expect(retry.status).toBe(409);
      expect(retry.body.code).toBe('budget_exhausted');

      const res = await patch(runId, { token_cap: 5000 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        token_cap: 5000,
        tokens_used: 1500,
        state: 'PHASE_EXECUTION',
        failure_reason: null,
      });
      expect(await auditTypes(runId)).toContain('run.token_cap_changed');
      expect(await eventTypes(runId)).toContain('run.token_cap_changed');
      // The executor may write again.
      expect((await move(runId, 'P2', 'EXECUTING')).status).toBe(200);
    });

    it('a cap at or below what was used changes nothing (409)', async () => {
      const runId = await exhausted();
      for (const cap of [1000, 1500]) {
        const res = await patch(runId, { token_cap: cap });
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('budget_exhausted');
      }
      expect(await readRun(runId)).toMatchObject({ token_cap: 1000, state: 'DONE_FAILED_BUDGET_EXHAUSTED' });
    });

    it('a running run takes a new cap; a cancelled or successful one refuses (409)', async () => {
      const runId = await started();
      expect((await patch(runId, { token_cap: 42 })).body.token_cap).toBe(42);
      await asOperator(`/runs/${runId}/cancel`, { reason: 'r' });
      const cancelled = await patch(runId, { token_cap: 100 });
      expect(cancelled.status).toBe(409);
      expect(cancelled.body.code).toBe('run_cancelled');
    });

    it.each([
      ['zero', { token_cap: 0 }],
      ['a string', { token_cap: '100' }],
      ['too large', { token_cap: 2 ** 31 }],
      ['missing', {}],
      ['an unknown field', { token_cap: 10, state: 'DONE_SUCCESS' }],
    ])('refuses a token_cap that is %s (422)', async (_what, body) => {
      const runId = await started();
      expect((await patch(runId, body)).status).toBe(422);
      expect((await readRun(runId)).token_cap).toBe(5_000_000);
    });

    it('a viewer cannot change the budget (403)', async () => {
      const runId = await started();
      expect((await patch(runId, { token_cap: 10 }, viewer)).status).toBe(403);
    });
  });
});
