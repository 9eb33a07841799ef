/** Enum values of the executor wire format (docs/WIRE_FORMAT.md). Spelled exactly as existing clients send them. */

export const RUN_STATES = [
  'QUEUED',
  'PLAN_BOOTSTRAP',
  'RUN_CREATED',
  'PHASE_QUEUEING',
  'PHASE_EXECUTION',
  'GATE',
  'CI_RUNNING',
  'SNAPSHOT_CREATED',
  'DONE_SUCCESS',
  'DONE_FAILED_BUDGET_EXHAUSTED',
  'DONE_FAILED_POLICY_VIOLATION',
  'DONE_FAILED_REQUIRES_HUMAN_REVIEW',
  'DONE_FAILED_ENVIRONMENT',
  'CANCELLED',
] as const;
export type RunState = (typeof RUN_STATES)[number];

export const PHASE_STATES = [
  'QUEUED',
  'EXECUTING',
  'GATE',
  'CI_RUNNING',
  'COMPLETE',
  'FAILED',
  'SKIPPED',
] as const;
export type PhaseState = (typeof PHASE_STATES)[number];

export const TIER_STATES = ['PENDING', 'IN_PROGRESS', 'COMPLETE', 'FAILED', 'SKIPPED'] as const;
export type TierState = (typeof TIER_STATES)[number];

export const SAFETY_PROFILES = ['normal', 'safety_critical'] as const;
export const RUN_SCOPES = ['multi_tier', 'single_tier'] as const;
export const COMPLEXITIES = ['low', 'medium', 'high'] as const;
export const QUALITY_LEVELS = ['ok', 'needs_review', 'blocked'] as const;
export const ISSUE_SEVERITIES = ['minor', 'major'] as const;
export type IssueSeverity = (typeof ISSUE_SEVERITIES)[number];
export const BUILDER_STATUSES = ['success', 'failed', 'needs_review'] as const;
export const AUDITOR_RECOMMENDATIONS = ['approve', 'revise', 'escalate'] as const;
export const CONFIDENCES = ['low', 'medium', 'high'] as const;

/**
 * A run in one of these states is finished: it refuses every executor write. `CANCELLED` is an
 * operator's stop (`POST /runs/{run_id}/cancel`), reachable from every state that is not finished.
 */
export function isRunFinished(state: RunState): boolean {
  return state.startsWith('DONE_') || state === 'CANCELLED';
}

/**
 * The finished states an operator may reopen by retrying a failed phase. A run out of budget is reopened
 * only by raising its `token_cap` (`PATCH /runs/{run_id}`); a cancelled or successful run never.
 */
export const RETRYABLE_RUN_STATES: readonly RunState[] = [
  'DONE_FAILED_POLICY_VIOLATION',
  'DONE_FAILED_REQUIRES_HUMAN_REVIEW',
  'DONE_FAILED_ENVIRONMENT',
];

/** The machine-readable `code` of a 409 about a run's state (RunConflictDto). Clients switch on these. */
export const RUN_CONFLICT_CODES = [
  'run_cancelled',
  'run_finished',
  'budget_exhausted',
  'phase_not_failed',
] as const;
export type RunConflictCode = (typeof RUN_CONFLICT_CODES)[number];
