import { createTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { asAdmin, auditorResult, builderResult, phasePath, startBody } from '../helpers/runs';

/**
 * The acceptance test: a complete executor drives a run with two tiers and four phases from start to
 * DONE_SUCCESS, and every operator view agrees with what it did.
 */
describe('an executor plays a whole run', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('starts, drives every phase through its states, and ends DONE_SUCCESS with the views agreeing', async () => {
    const api = asAdmin(t);
    const body = startBody();
    const runId = body.run.run_id;

    const started = await api.post('/runs/start', body);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      id: runId,
      state: 'RUN_CREATED',
      safety_profile: 'normal',
      run_scope: 'multi_tier',
      token_cap: 5_000_000,
      tokens_used: 0,
      started_at: null,
      completed_at: null,
      promotion_eligible_to_main: 'false',
      owner_principal_id: 'apikey:instance',
    });
    expect(
      started.body.tiers.map((tier: { tier_id: string; state: string }) => [tier.tier_id, tier.state]),
    ).toEqual([
      ['T1', 'PENDING'],
      ['T2', 'PENDING'],
    ]);
    expect(started.body.phases.map((p: { phase_id: string }) => p.phase_id)).toEqual([
      'P1',
      'P2',
      'P3',
      'P4',
    ]);
    expect(started.body.phases[0].scope.read_only_context).toEqual([
      { path: 'docs/p1.md', reason: '' },
      { path: 'README.md', reason: 'ctx' },
    ]);
    expect(started.body.phases[0].intention_refs).toEqual({
      success_criteria: [1],
      constraints_must: [2],
      constraints_must_not: [],
      constraints_preferences: [],
    });

    // P1: builder → gate → auditor asks for a revision → builder again → gate → approve → complete.
    let res = await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'EXECUTING', run_state: 'PHASE_EXECUTION' });
    expect((await api.get(`/runs/${runId}`)).body.started_at).not.toBeNull();

    res = await api.post(
      phasePath(runId, 'P1', 'builder_result'),
      builderResult(runId, 'P1', {
        suggested_issues: [
          { issue_key: 'flaky-test', severity: 'minor', category: 'test', description: 'flaky' },
        ],
      }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ run_tokens_used: 1000, phase_state: 'EXECUTING' });
    expect((await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'GATE' })).status).toBe(200);
    res = await api.post(
      phasePath(runId, 'P1', 'auditor_result'),
      auditorResult(runId, 'P1', {
        recommendation: 'revise',
        issues_found: [{ issue_key: 'missing-docs', severity: 'major', category: 'docs' }],
      }),
    );
    expect(res.status).toBe(201);
    expect((await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' })).status).toBe(
      200,
    );
    expect(
      (
        await api.post(
          phasePath(runId, 'P1', 'builder_result'),
          builderResult(runId, 'P1', { builder_attempts: 2 }),
        )
      ).status,
    ).toBe(201);
    expect((await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'GATE' })).status).toBe(200);
    expect(
      (await api.post(phasePath(runId, 'P1', 'auditor_result'), auditorResult(runId, 'P1'))).status,
    ).toBe(201);
    res = await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'COMPLETE', quality_level: 'ok' });
    expect(res.body).toMatchObject({ state: 'COMPLETE', builder_attempts: 2, run_state: 'PHASE_EXECUTION' });

    // An issue recorded directly, twice: the second counts an occurrence.
    res = await api.post(phasePath(runId, 'P2', 'record_issue'), {
      issue_key: 'flaky-test',
      severity: 'minor',
      category: 'test',
      description: 'flaky again',
      evidence_refs: ['ci/1'],
    });
    expect(res.status).toBe(201);
    expect(res.body.occurrence_count).toBe(1);
    res = await api.post(phasePath(runId, 'P2', 'record_issue'), {
      issue_key: 'flaky-test',
      severity: 'minor',
      category: 'test',
      evidence_refs: ['ci/2'],
    });
    expect(res.body.occurrence_count).toBe(2);

    // P2 goes through CI; tier 1 completes.
    for (const state of ['EXECUTING', 'CI_RUNNING', 'GATE', 'COMPLETE']) {
      if (state === 'CI_RUNNING') {
        expect(
          (await api.post(phasePath(runId, 'P2', 'builder_result'), builderResult(runId, 'P2'))).status,
        ).toBe(201);
      }
      if (state === 'COMPLETE') {
        expect(
          (await api.post(phasePath(runId, 'P2', 'auditor_result'), auditorResult(runId, 'P2'))).status,
        ).toBe(201);
      }
      expect((await api.post(phasePath(runId, 'P2', 'update_status'), { state })).status).toBe(200);
    }
    let run = (await api.get(`/runs/${runId}`)).body;
    expect(run.tiers.map((tier: { state: string }) => tier.state)).toEqual(['COMPLETE', 'PENDING']);

    // P3 runs, P4 is skipped: tier 2 completes, and with it the run.
    for (const state of ['EXECUTING', 'GATE', 'COMPLETE']) {
      if (state === 'GATE') {
        expect(
          (await api.post(phasePath(runId, 'P3', 'builder_result'), builderResult(runId, 'P3'))).status,
        ).toBe(201);
        expect(
          (await api.post(phasePath(runId, 'P3', 'auditor_result'), auditorResult(runId, 'P3'))).status,
        ).toBe(201);
      }
      expect((await api.post(phasePath(runId, 'P3', 'update_status'), { state })).status).toBe(200);
    }
    expect((await api.get(`/runs/${runId}`)).body.tiers[1].state).toBe('IN_PROGRESS');
    res = await api.post(phasePath(runId, 'P4', 'update_status'), { state: 'SKIPPED' });
    expect(res.body).toMatchObject({ state: 'SKIPPED', run_state: 'DONE_SUCCESS' });

    // The operator views agree.
    // Tokens: P1 2×1000 + 2×500, P2 1000 + 500, P3 1000 + 500.
    const expectedTokens = 6000;
    run = (await api.get(`/runs/${runId}`)).body;
    expect(run).toMatchObject({
      state: 'DONE_SUCCESS',
      tokens_used: expectedTokens,
      minor_issues_count: 2,
      major_issues_count: 1,
      failure_reason: null,
    });
    expect(run.completed_at).not.toBeNull();
    expect(new Date(run.completed_at).getTime()).toBeGreaterThanOrEqual(new Date(run.started_at).getTime());
    expect(
      run.tiers.map((tier: { state: string; cleanliness: string }) => [tier.state, tier.cleanliness]),
    ).toEqual([
      ['COMPLETE', 'needs_cleanup'],
      ['COMPLETE', 'clean'],
    ]);
    expect(run.phases.map((p: { state: string }) => p.state)).toEqual([
      'COMPLETE',
      'COMPLETE',
      'COMPLETE',
      'SKIPPED',
    ]);
    expect(run.tiers[0].phases.map((p: { phase_id: string }) => p.phase_id)).toEqual(['P1', 'P2']);

    const progress = (await api.get(`/runs/${runId}/progress`)).body;
    expect(progress).toMatchObject({
      run_id: runId,
      state: 'DONE_SUCCESS',
      phases_total: 4,
      phases_completed: 4,
      phases_in_progress: 0,
      phases_pending: 0,
      tokens_used: expectedTokens,
      token_cap: 5_000_000,
      started_at: run.started_at,
      completed_at: run.completed_at,
    });
    expect(progress.elapsed_seconds).toBeGreaterThanOrEqual(0);

    const list = (await api.get('/runs?limit=10')).body;
    const summary = list.runs.find((r: { id: string }) => r.id === runId);
    expect(summary).toMatchObject({
      state: 'DONE_SUCCESS',
      tokens_used: expectedTokens,
      phases_total: 4,
      phases_completed: 3,
      phases_skipped: 1,
      phases_queued: 0,
      phases_in_progress: 0,
      phases_failed: 0,
    });

    const dashboard = (await api.get(`/dashboard/runs/${runId}/status`)).body;
    expect(dashboard).toMatchObject({
      run_id: runId,
      state: 'DONE_SUCCESS',
      total_tiers: 2,
      total_phases: 4,
      completed_tiers: 2,
      completed_phases: 4,
      percent_complete: 100,
      tokens_used: expectedTokens,
      current_phase_name: null,
      major_issues_count: 1,
    });

    const index = (await api.get(`/runs/${runId}/issues/index`)).body;
    expect(index.total).toBe(2);
    expect(index.issues_by_key['flaky-test']).toMatchObject({
      severity: 'minor',
      occurrence_count: 3,
      seen_in_phases: ['P1', 'P2'],
      seen_in_tiers: ['T1'],
    });
    expect(index.issues_by_key['missing-docs']).toMatchObject({ severity: 'major', occurrence_count: 1 });

    const backlog = (await api.get('/project/issues/backlog')).body;
    expect(backlog.issues.find((i: { issue_key: string }) => i.issue_key === 'flaky-test')).toMatchObject({
      occurrence_count: 3,
      age_in_runs: 1,
      first_seen_run_id: runId,
      last_seen_run_id: runId,
    });

    // A finished run refuses further writes; the run is unchanged.
    res = await api.post(phasePath(runId, 'P4', 'record_issue'), {
      issue_key: 'late',
      severity: 'minor',
      category: 'x',
    });
    expect(res.status).toBe(409);
    expect((await api.get(`/runs/${runId}`)).body).toEqual(run);
    // About 40 requests: a generous bound for a busy shared machine; the assertions do not depend on time.
  }, 180_000);
});
