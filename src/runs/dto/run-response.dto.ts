import type { PhaseState, RunState, TierState } from '../run-states';

/** A `read_only_context` entry, always in this shape on the way out. */
export class ReadOnlyContextEntryDto {
  path: string;
  reason: string;
}

export class PhaseResponseDto {
  /** The server's id for the phase (a UUID). */
  id: string;
  phase_id: string;
  run_id: string;
  /** The executor's `tier_id` of the phase's tier. */
  tier_id: string;
  name: string;
  description: string | null;
  state: PhaseState;
  task_category: string | null;
  complexity: string | null;
  builder_mode: string | null;
  phase_index: number;
  scope: Record<string, unknown> | null;
  intention_refs: Record<string, number[]> | null;
  builder_attempts: number;
  tokens_used: number;
  minor_issues_count: number;
  major_issues_count: number;
  quality_level: string | null;
  quality_blocked: boolean;
  started_at: string | null;
  completed_at: string | null;
  /** 1 for the first attempt; each operator retry (`POST …/retry`) adds one. */
  attempt: number;
}

export class TierResponseDto {
  /** The server's id for the tier (a UUID). */
  id: string;
  tier_id: string;
  name: string;
  description: string | null;
  state: TierState;
  tier_index: number;
  /** `clean`, or `needs_cleanup` once a major issue was recorded in the tier. */
  cleanliness: string;
  minor_issues_count: number;
  major_issues_count: number;
  phases: PhaseResponseDto[];
}

export class RunResponseDto {
  /** The executor's `run_id`. */
  id: string;
  state: RunState;
  safety_profile: string;
  run_scope: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  tokens_used: number;
  token_cap: number;
  max_phases: number;
  max_duration_minutes: number;
  ci_runs_used: number;
  minor_issues_count: number;
  major_issues_count: number;
  /** `"true"` or `"false"`: a string, as the earlier server sent it. */
  promotion_eligible_to_main: string;
  debt_status: string | null;
  failure_reason: string | null;
  /** `Principal.id` of whoever started the run. */
  owner_principal_id: string;
  /** For a `CANCELLED` run: the operator who cancelled it (`Principal.id`), when and why; else null. */
  cancelled_by: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
  tiers: TierResponseDto[];
  /** All phases of the run, flat, ordered by tier_index then phase_index. */
  phases: PhaseResponseDto[];
}
