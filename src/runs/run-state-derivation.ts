import { isPhaseTerminal } from './phase-state-machine';
import { isRunFinished } from './run-states';
import type { PhaseState, RunState, TierState } from './run-states';

/** What derivation needs to know about a phase. */
export interface PhaseFacts {
  state: PhaseState;
  qualityBlocked: boolean;
}

/**
 * A tier's state follows its phases: PENDING until one of them leaves QUEUED, IN_PROGRESS until all are
 * terminal, then FAILED if any failed, SKIPPED if all were skipped, else COMPLETE. A tier without phases
 * has nothing to do and stays PENDING.
 */
export function deriveTierState(phases: readonly PhaseFacts[]): TierState {
  if (phases.length === 0 || phases.every((p) => p.state === 'QUEUED')) return 'PENDING';
  if (!phases.every((p) => isPhaseTerminal(p.state))) return 'IN_PROGRESS';
  if (phases.some((p) => p.state === 'FAILED')) return 'FAILED';
  if (phases.every((p) => p.state === 'SKIPPED')) return 'SKIPPED';
  return 'COMPLETE';
}

export interface RunFacts {
  state: RunState;
  tokensUsed: number;
  tokenCap: number;
}

/**
 * A run's state after a change to its phases or token use. A finished run never changes again.
 * Budget first: a run past its token cap is DONE_FAILED_BUDGET_EXHAUSTED whatever its phases say.
 * When every phase is terminal the run is done: DONE_SUCCESS if all completed or were skipped; a failed
 * phase that a quality gate blocked is a policy violation; any other failure needs a human.
 * Otherwise, once any phase has left QUEUED, the run is in PHASE_EXECUTION.
 */
export function deriveRunState(run: RunFacts, phases: readonly PhaseFacts[]): RunState {
  if (isRunFinished(run.state)) return run.state;
  if (run.tokensUsed > run.tokenCap) return 'DONE_FAILED_BUDGET_EXHAUSTED';
  if (phases.length > 0 && phases.every((p) => isPhaseTerminal(p.state))) {
    const failed = phases.filter((p) => p.state === 'FAILED');
    if (failed.length === 0) return 'DONE_SUCCESS';
    return failed.some((p) => p.qualityBlocked)
      ? 'DONE_FAILED_POLICY_VIOLATION'
      : 'DONE_FAILED_REQUIRES_HUMAN_REVIEW';
  }
  if (phases.some((p) => p.state !== 'QUEUED')) return 'PHASE_EXECUTION';
  return run.state;
}

/** Why a run ended, for `failure_reason`; null for success or while running. */
export function failureReasonFor(state: RunState, run: RunFacts): string | null {
  switch (state) {
    case 'DONE_FAILED_BUDGET_EXHAUSTED':
      return `token budget exhausted: ${run.tokensUsed} tokens used, cap ${run.tokenCap}`;
    case 'DONE_FAILED_POLICY_VIOLATION':
      return 'a phase failed while blocked by its quality gate';
    case 'DONE_FAILED_REQUIRES_HUMAN_REVIEW':
      return 'one or more phases failed';
    default:
      return null;
  }
}
