import type { PhaseState, RunState } from '../run-states';

export class PhaseProgressDto {
  phase_id: string;
  tier_id: string;
  name: string;
  state: PhaseState;
  phase_index: number;
  tokens_used: number;
  started_at: string | null;
  completed_at: string | null;
}

export class RunProgressDto {
  run_id: string;
  state: RunState;
  phases_total: number;
  /** COMPLETE or SKIPPED. */
  phases_completed: number;
  phases_failed: number;
  /** EXECUTING, GATE or CI_RUNNING. */
  phases_in_progress: number;
  /** QUEUED. */
  phases_pending: number;
  phases: PhaseProgressDto[];
  tokens_used: number;
  token_cap: number;
  started_at: string | null;
  completed_at: string | null;
  /** Seconds from `started_at` to `completed_at` (or now); null before the run started. */
  elapsed_seconds: number | null;
}
