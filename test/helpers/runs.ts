import request from 'supertest';
import type { Server } from 'node:http';
import { DataSource } from 'typeorm';
import type { Logger } from 'typeorm';
import { TEST_INSTANCE_KEY } from './app';
import type { TestApp } from './app';

let sequence = 0;

/** A run_id no other test uses. */
export const uniqueRunId = (prefix = 'run') => `${prefix}-${process.pid}-${Date.now()}-${++sequence}`;

export interface StartBodyOptions {
  runId?: string;
  run?: Record<string, unknown>;
  /** Tiers × phases per tier; default two tiers of two phases (T1: P1, P2; T2: P3, P4). */
  tiers?: number;
  phasesPerTier?: number;
}

/** A valid `POST /runs/start` body, as an existing executor sends it. */
export function startBody(options: StartBodyOptions = {}) {
  const tierCount = options.tiers ?? 2;
  const perTier = options.phasesPerTier ?? 2;
  const tiers = Array.from({ length: tierCount }, (_, t) => ({
    tier_id: `T${t + 1}`,
    tier_index: t,
    name: `Tier ${t + 1}`,
    description: `tier ${t + 1}`,
  }));
  const phases = tiers.flatMap((tier, t) =>
    Array.from({ length: perTier }, (_, i) => {
      const n = t * perTier + i + 1;
      return {
        phase_id: `P${n}`,
        phase_index: i,
        tier_id: tier.tier_id,
        name: `Phase ${n}`,
        description: `phase ${n}`,
        task_category: 'feature',
        complexity: 'medium',
        builder_mode: 'default',
        scope: {
          paths: [`src/p${n}`],
          read_only_context: [`docs/p${n}.md`, { path: 'README.md', reason: 'ctx' }, { reason: 'no path' }],
        },
        intention_refs: { success_criteria: [1], constraints_must: [2] },
      };
    }),
  );
  return { run: { run_id: options.runId ?? uniqueRunId(), ...options.run }, tiers, phases };
}

export const asAdmin = (t: TestApp) => ({
  get: (path: string) => request(t.http).get(path).set('X-API-Key', TEST_INSTANCE_KEY),
  post: (path: string, body: object) =>
    request(t.http).post(path).set('X-API-Key', TEST_INSTANCE_KEY).send(body),
});

export const phasePath = (runId: string, phaseId: string, action: string) =>
  `/runs/${encodeURIComponent(runId)}/phases/${encodeURIComponent(phaseId)}/${action}`;

/** Every executor write to a run (phase status, builder result, issue, error report), sent as `headers`. */
export function executorWrites(t: TestApp, runId: string, headers: Record<string, string>) {
  const post = (path: string, body: object) => request(t.http).post(path).set(headers).send(body);
  return Promise.all([
    post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' }),
    post(phasePath(runId, 'P1', 'builder_result'), builderResult(runId, 'P1')),
    post(phasePath(runId, 'P1', 'record_issue'), {
      issue_key: 'k',
      severity: 'minor',
      category: 'c',
      description: 'd',
      evidence_refs: [],
    }),
    post(`/runs/${runId}/errors`, { error_type: 'x', message: 'm' }),
  ]);
}

export function builderResult(runId: string, phaseId: string, extra: Record<string, unknown> = {}) {
  return {
    run_id: runId,
    phase_id: phaseId,
    status: 'success',
    patch_content: 'diff --git a/x b/x\n+hello\n',
    files_changed: ['x'],
    lines_added: 1,
    tokens_used: 1000,
    probe_results: [{ probe_type: 'pytest', exit_code: 0 }],
    ...extra,
  };
}

export function auditorResult(runId: string, phaseId: string, extra: Record<string, unknown> = {}) {
  return {
    run_id: runId,
    phase_id: phaseId,
    review_notes: 'looks fine',
    recommendation: 'approve',
    tokens_used: 500,
    ...extra,
  };
}

/**
 * Counts the SQL statements the app's data source sends while `action` runs, through TypeORM's logger
 * hook (every query of every query runner passes through `logQuery`, whatever the logging option).
 */
export async function countQueries<T>(
  t: TestApp,
  action: () => Promise<T>,
): Promise<{ result: T; queries: string[] }> {
  const logger: Logger = t.app.get(DataSource).logger;
  const original = logger.logQuery.bind(logger);
  const queries: string[] = [];
  logger.logQuery = (query, parameters, runner) => {
    queries.push(query);
    return original(query, parameters, runner);
  };
  try {
    return { result: await action(), queries };
  } finally {
    logger.logQuery = original;
  }
}

export type { Server };
