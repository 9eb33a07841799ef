import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TEST_INSTANCE_KEY } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { asAdmin, builderResult, phasePath, startBody } from '../helpers/runs';

describe('runs: state that cannot lie', () => {
  let t: TestApp;
  let api: ReturnType<typeof asAdmin>;

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '10000' } });
    api = asAdmin(t);
  });
  afterAll(() => t.close());

  async function started(options: Parameters<typeof startBody>[0] = {}) {
    const body = startBody(options);
    expect((await api.post('/runs/start', body)).status).toBe(201);
    return body.run.run_id;
  }
  const move = (runId: string, phaseId: string, state: string, extra: object = {}) =>
    api.post(phasePath(runId, phaseId, 'update_status'), { state, ...extra });

  describe('POST /runs/start is safe to retry', () => {
    it('an identical retry returns the existing run with 200, and creates nothing new', async () => {
      const body = startBody();
      const first = await api.post('/runs/start', body);
      expect(first.status).toBe(201);
      // The same request with defaults spelled out is the same request.
      const spelledOut = {
        ...body,
        run: { ...body.run, safety_profile: 'normal', token_cap: 5_000_000, max_phases: 25 },
      };
      const retry = await api.post('/runs/start', spelledOut);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
      const db = t.app.get(DataSource);
      expect(
        (await db.query('SELECT count(*)::int AS n FROM run_phases WHERE run_id = $1', [body.run.run_id]))[0]
          .n,
      ).toBe(4);
    });

    it('the same run_id with a different body is a 409, and the run is unchanged', async () => {
      const body = startBody();
      const first = await api.post('/runs/start', body);
      const changed = startBody({ runId: body.run.run_id, run: { token_cap: 10 } });
      const res = await api.post('/runs/start', changed);
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/different start request/);
      expect((await api.get(`/runs/${body.run.run_id}`)).body).toEqual(first.body);
    });

    it('an identical retry after the run moved on is still answered with the run as it is now', async () => {
      const body = startBody();
      await api.post('/runs/start', body);
      await move(body.run.run_id, 'P1', 'EXECUTING');
      const retry = await api.post('/runs/start', body);
      expect(retry.status).toBe(200);
      expect(retry.body.state).toBe('PHASE_EXECUTION');
    });
  });

  describe('the phase state machine', () => {
    it('refuses an illegal transition with 409 naming the allowed ones', async () => {
      const runId = await started();
      const res = await move(runId, 'P1', 'COMPLETE');
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(
        /cannot move from QUEUED to COMPLETE; allowed: QUEUED, EXECUTING, SKIPPED/,
      );
      expect(res.body.allowed_transitions).toEqual(['QUEUED', 'EXECUTING', 'SKIPPED']);
      expect(res.body.current_state).toBe('QUEUED');
      const run = (await api.get(`/runs/${runId}`)).body;
      expect(run.phases[0].state).toBe('QUEUED');
      expect(run.state).toBe('RUN_CREATED');
    });

    it('a final phase accepts no transition and no results', async () => {
      const runId = await started();
      await move(runId, 'P1', 'EXECUTING');
      await move(runId, 'P1', 'COMPLETE');
      const res = await move(runId, 'P1', 'EXECUTING');
      expect(res.status).toBe(409);
      expect(res.body.allowed_transitions).toEqual([]);
      expect(res.body.message).toMatch(/COMPLETE is final/);
      expect(
        (await api.post(phasePath(runId, 'P1', 'builder_result'), builderResult(runId, 'P1'))).status,
      ).toBe(409);
    });

    it('repeating the current state updates counters without a transition', async () => {
      const runId = await started();
      await move(runId, 'P1', 'EXECUTING');
      const res = await move(runId, 'P1', 'EXECUTING', {
        builder_attempts: 3,
        tokens_used: 700,
        minor_issues_count: 2,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        builder_attempts: 3,
        tokens_used: 700,
        minor_issues_count: 2,
        run_tokens_used: 700,
      });
    });
  });

  describe('run and tier states follow their phases', () => {
    it('a failed phase fails its tier and, once all phases are final, the run needs human review', async () => {
      const runId = await started();
      await move(runId, 'P1', 'EXECUTING');
      await move(runId, 'P1', 'FAILED');
      let run = (await api.get(`/runs/${runId}`)).body;
      expect(run.tiers.map((x: { state: string }) => x.state)).toEqual(['IN_PROGRESS', 'PENDING']);
      expect(run.state).toBe('PHASE_EXECUTION');
      for (const phase of ['P2', 'P3', 'P4']) await move(runId, phase, 'SKIPPED');
      run = (await api.get(`/runs/${runId}`)).body;
      expect(run.state).toBe('DONE_FAILED_REQUIRES_HUMAN_REVIEW');
      expect(run.tiers.map((x: { state: string }) => x.state)).toEqual(['FAILED', 'SKIPPED']);
      expect(run.completed_at).not.toBeNull();
      expect(run.failure_reason).toMatch(/failed/);
    });

    it('a phase failed while its quality gate blocked it is a policy violation', async () => {
      const runId = await started({ tiers: 1, phasesPerTier: 1 });
      await move(runId, 'P1', 'EXECUTING');
      const res = await move(runId, 'P1', 'FAILED', { quality_level: 'blocked', quality_blocked: true });
      expect(res.body.run_state).toBe('DONE_FAILED_POLICY_VIOLATION');
    });

    it('a finished run refuses every write with 409', async () => {
      const runId = await started({ tiers: 1, phasesPerTier: 1 });
      await move(runId, 'P1', 'SKIPPED');
      const run = (await api.get(`/runs/${runId}`)).body;
      expect(run.state).toBe('DONE_SUCCESS');
      expect((await move(runId, 'P1', 'SKIPPED')).status).toBe(409);
      expect(
        (await api.post(phasePath(runId, 'P1', 'builder_result'), builderResult(runId, 'P1'))).status,
      ).toBe(409);
      expect(
        (
          await api.post(phasePath(runId, 'P1', 'record_issue'), {
            issue_key: 'k',
            severity: 'minor',
            category: 'c',
          })
        ).status,
      ).toBe(409);
      expect((await api.get(`/runs/${runId}`)).body).toEqual(run);
    });
  });

  describe('the token budget', () => {
    it('a run past its token_cap becomes DONE_FAILED_BUDGET_EXHAUSTED and refuses phase starts', async () => {
      const runId = await started({ run: { token_cap: 1500 } });
      await move(runId, 'P1', 'EXECUTING');
      let res = await api.post(
        phasePath(runId, 'P1', 'builder_result'),
        builderResult(runId, 'P1', { tokens_used: 1000 }),
      );
      expect(res.body.run_state).toBe('PHASE_EXECUTION');
      res = await api.post(
        phasePath(runId, 'P1', 'builder_result'),
        builderResult(runId, 'P1', { tokens_used: 501 }),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ run_state: 'DONE_FAILED_BUDGET_EXHAUSTED', run_tokens_used: 1501 });

      const start = await move(runId, 'P2', 'EXECUTING');
      expect(start.status).toBe(409);
      const run = (await api.get(`/runs/${runId}`)).body;
      expect(run).toMatchObject({ state: 'DONE_FAILED_BUDGET_EXHAUSTED', tokens_used: 1501 });
      expect(run.failure_reason).toMatch(/1501 tokens used, cap 1500/);
      expect(run.completed_at).not.toBeNull();
      expect(run.phases[1].state).toBe('QUEUED');
    });

    it('a run that used exactly its budget starts no further phase', async () => {
      const runId = await started({ run: { token_cap: 1000 } });
      await move(runId, 'P1', 'EXECUTING');
      await move(runId, 'P1', 'COMPLETE', { tokens_used: 1000 });
      const res = await move(runId, 'P2', 'EXECUTING');
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/token budget/);
    });

    it('the default token cap comes from RUN_TOKEN_CAP', async () => {
      const other = await createTestApp({ env: { RUN_TOKEN_CAP: '1234' } });
      try {
        const res = await request(other.http)
          .post('/runs/start')
          .set('X-API-Key', TEST_INSTANCE_KEY)
          .send(startBody());
        expect(res.body.token_cap).toBe(1234);
      } finally {
        await other.close();
      }
    });
  });

  describe('error reports', () => {
    it('are redacted before storage and summarised', async () => {
      const runId = await started();
      const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
      const res = await api.post(`/runs/${runId}/errors`, {
        error_type: 'PatchApplyError',
        message: `git push failed: https://bot:${secret}@github.com/x.git`,
        phase_id: 'P1',
        context: { env: { GITHUB_TOKEN: secret, HOME: '/root' }, attempt: 2 },
      });
      expect(res.status).toBe(201);
      expect(res.body.redaction_count).toBeGreaterThanOrEqual(2);
      await api.post(`/runs/${runId}/errors`, { error_type: 'Timeout', message: 'builder timed out' });

      const stored = await t.app
        .get(DataSource)
        .query('SELECT message, context::text FROM run_error_reports WHERE run_id = $1', [runId]);
      expect(JSON.stringify(stored)).not.toContain(secret);

      const list = (await api.get(`/runs/${runId}/errors`)).body;
      expect(list.total).toBe(2);
      expect(list.errors[1]).toMatchObject({
        error_type: 'PatchApplyError',
        phase_id: 'P1',
        context: { env: { GITHUB_TOKEN: '[REDACTED:secret_field]', HOME: '/root' }, attempt: 2 },
      });
      expect(list.errors[1].message).toBe(
        'git push failed: https://[REDACTED:url_credentials]@github.com/x.git',
      );

      const summary = (await api.get(`/runs/${runId}/errors/summary`)).body;
      expect(summary).toMatchObject({
        run_id: runId,
        total_errors: 2,
        by_type: { PatchApplyError: 1, Timeout: 1 },
        by_phase: { P1: 1, run: 1 },
      });
    });

    it('are accepted after the run finished (they change no state)', async () => {
      const runId = await started({ tiers: 1, phasesPerTier: 1 });
      await move(runId, 'P1', 'SKIPPED');
      const res = await api.post(`/runs/${runId}/errors`, {
        error_type: 'Shutdown',
        message: 'executor stopped',
      });
      expect(res.status).toBe(201);
      expect((await api.get(`/runs/${runId}`)).body.state).toBe('DONE_SUCCESS');
    });
  });
});

describe('runs: POST /runs/start rate limit', () => {
  it('allows the configured starts per minute per principal, then 429 with Retry-After', async () => {
    const t = await createTestApp({ env: { AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '2' } });
    try {
      const api = asAdmin(t);
      expect((await api.post('/runs/start', startBody())).status).toBe(201);
      expect((await api.post('/runs/start', startBody())).status).toBe(201);
      const limited = await api.post('/runs/start', startBody());
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Other routes keep their own budget.
      expect((await api.get('/runs')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
