import type { PhaseState } from './run-states';

/**
 * The phase state machine: for each state, the states an executor may move a phase to. Repeating the
 * current state of a phase that is still in progress is allowed (executors resend it with fresh counters,
 * and retry after timeouts); terminal states allow nothing.
 *
 * QUEUED → EXECUTING (started) or SKIPPED (not needed).
 * EXECUTING → GATE (awaiting audit), CI_RUNNING, COMPLETE, FAILED.
 * GATE → EXECUTING (auditor asked for a revision), CI_RUNNING, COMPLETE, FAILED.
 * CI_RUNNING → EXECUTING (CI failed, fix it), GATE, COMPLETE, FAILED.
 */
export const PHASE_TRANSITIONS: Readonly<Record<PhaseState, readonly PhaseState[]>> = {
  QUEUED: ['EXECUTING', 'SKIPPED'],
  EXECUTING: ['GATE', 'CI_RUNNING', 'COMPLETE', 'FAILED'],
  GATE: ['EXECUTING', 'CI_RUNNING', 'COMPLETE', 'FAILED'],
  CI_RUNNING: ['EXECUTING', 'GATE', 'COMPLETE', 'FAILED'],
  COMPLETE: [],
  FAILED: [],
  SKIPPED: [],
};

export const TERMINAL_PHASE_STATES: readonly PhaseState[] = ['COMPLETE', 'FAILED', 'SKIPPED'];

export function isPhaseTerminal(state: PhaseState): boolean {
  return TERMINAL_PHASE_STATES.includes(state);
}

/** The states `from` may move to, including staying put while in progress. */
export function allowedNextStates(from: PhaseState): PhaseState[] {
  return isPhaseTerminal(from) ? [] : [from, ...PHASE_TRANSITIONS[from]];
}

export function canTransition(from: PhaseState, to: PhaseState): boolean {
  return allowedNextStates(from).includes(to);
}

/**
 * The one transition outside the executor's table: an operator's retry (`POST …/retry`) moves a FAILED
 * phase back to QUEUED, with its attempt counter incremented. Nothing else is ever reopened.
 */
export const OPERATOR_RETRY: { readonly from: PhaseState; readonly to: PhaseState } = {
  from: 'FAILED',
  to: 'QUEUED',
};

export function canRetry(state: PhaseState): boolean {
  return state === OPERATOR_RETRY.from;
}
