import { ACTION_STATUSES } from './external-action.entity';
import type { ActionStatus } from './external-action.entity';

/** Everything that can happen to an action after it is proposed. */
export const ACTION_EVENTS = [
  'approve',
  'reject',
  'cancel',
  'claim_live',
  'claim_dry_run',
  'approval_expired',
  'lease_expired',
  'report_success',
  'report_failure',
  'reconcile_success',
  'reconcile_failure',
] as const;
export type ActionEvent = (typeof ACTION_EVENTS)[number];

/** Where an event leads, and what must hold for the caller to apply it (enforced where it is decided). */
export interface ActionTransition {
  readonly to: ActionStatus;
  readonly guard: string;
}

const CLAIMABLE = {
  claim_live: { to: 'EXECUTING', guard: 'no claim denial, dry run off, daily caps reserved' },
  claim_dry_run: { to: 'DRY_RUN', guard: 'no claim denial, dry run on' },
  approval_expired: { to: 'EXPIRED', guard: 'approval older than AUTOPACK_ACTION_APPROVAL_TTL_SECONDS' },
  cancel: { to: 'CANCELLED', guard: 'an operator, or the proposing machine' },
} as const satisfies Partial<Record<ActionEvent, ActionTransition>>;

/**
 * The external-action lifecycle: for each status, the events it accepts and the status each leads to.
 * Anything not listed is refused (`ForbiddenTransitionError`); final statuses accept nothing. A new
 * action starts `PENDING` (Tier C and unclassified) or `APPROVED` by policy (Tier A/B): see
 * `INITIAL_STATUSES`.
 */
export const ACTION_TRANSITIONS: Readonly<
  Record<ActionStatus, Readonly<Partial<Record<ActionEvent, ActionTransition>>>>
> = {
  PENDING: {
    approve: { to: 'APPROVED', guard: 'approvals_required distinct humans, none behind the proposer' },
    reject: { to: 'REJECTED', guard: 'a human not behind the proposer' },
    cancel: CLAIMABLE.cancel,
  },
  APPROVED: CLAIMABLE,
  // A retry: the same claim rules, plus attempts left (claim-denial.ts: retries_exhausted).
  FAILED: CLAIMABLE,
  EXECUTING: {
    report_success: { to: 'COMPLETED', guard: 'the claimant, for the current attempt, within the lease' },
    report_failure: { to: 'FAILED', guard: 'the claimant, for the current attempt, within the lease' },
    lease_expired: { to: 'OUTCOME_UNKNOWN', guard: 'lease older than AUTOPACK_ACTION_LEASE_SECONDS' },
  },
  OUTCOME_UNKNOWN: {
    reconcile_success: { to: 'COMPLETED', guard: 'an operator, with the external object id' },
    reconcile_failure: { to: 'FAILED', guard: 'an operator' },
  },
  REJECTED: {},
  COMPLETED: {},
  DRY_RUN: {},
  CANCELLED: {},
  EXPIRED: {},
};

/** How an action is born: by tier, at proposal. */
export const INITIAL_STATUSES: ReadonlyArray<{ to: ActionStatus; guard: string }> = [
  { to: 'PENDING', guard: 'tier C or unclassified' },
  { to: 'APPROVED', guard: 'tier A/B, approved by policy' },
];

/** The audit event each transition writes. */
export const TRANSITION_AUDIT_TYPE: Readonly<Record<ActionEvent, string>> = {
  approve: 'action.approved',
  reject: 'action.rejected',
  cancel: 'action.cancelled',
  claim_live: 'action.claimed',
  claim_dry_run: 'action.claimed',
  approval_expired: 'action.expired',
  lease_expired: 'action.outcome_unknown',
  report_success: 'action.completed',
  report_failure: 'action.failed',
  reconcile_success: 'action.reconciled',
  reconcile_failure: 'action.reconciled',
};

/** A (status, event) pair the lifecycle does not allow: reaching it is a bug, never a user error. */
export class ForbiddenTransitionError extends Error {
  constructor(
    readonly from: ActionStatus,
    readonly event: ActionEvent,
  ) {
    super(`An external action in status ${from} does not accept "${event}"`);
    this.name = 'ForbiddenTransitionError';
  }
}

export function canApply(from: ActionStatus, event: ActionEvent): boolean {
  return ACTION_TRANSITIONS[from][event] !== undefined;
}

/** The status `event` leads to from `from`, or a `ForbiddenTransitionError`. */
export function nextStatus(from: ActionStatus, event: ActionEvent): ActionStatus {
  const transition = ACTION_TRANSITIONS[from][event];
  if (!transition) throw new ForbiddenTransitionError(from, event);
  return transition.to;
}

/** The statuses that accept `event`, in the order of ACTION_STATUSES (for messages). */
export function statusesAccepting(event: ActionEvent): ActionStatus[] {
  return ACTION_STATUSES.filter((status) => canApply(status, event));
}

/** The table as a Mermaid state diagram, for docs/EXTERNAL_ACTIONS.md (written by `npm run contract`). */
export function renderLifecycleDiagram(): string {
  const lines = ['```mermaid', 'stateDiagram-v2'];
  for (const start of INITIAL_STATUSES) lines.push(`  [*] --> ${start.to}: propose (${start.guard})`);
  for (const from of ACTION_STATUSES) {
    for (const event of ACTION_EVENTS) {
      const transition = ACTION_TRANSITIONS[from][event];
      if (transition) lines.push(`  ${from} --> ${transition.to}: ${event} (${transition.guard})`);
    }
  }
  for (const from of ACTION_STATUSES) {
    if (Object.keys(ACTION_TRANSITIONS[from]).length === 0) lines.push(`  ${from} --> [*]`);
  }
  lines.push('```');
  return lines.join('\n');
}
