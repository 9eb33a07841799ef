import type { RunState } from '../run-states';

export class DashboardRunStatusDto {
  run_id: string;
  state: RunState;
  current_tier_name: string | null;
  current_phase_name: string | null;
  current_tier_index: number | null;
  current_phase_index: number | null;
  total_tiers: number;
  total_phases: number;
  completed_tiers: number;
  completed_phases: number;
  failed_phases: number;
  percent_complete: number;
  tokens_used: number;
  token_cap: number;
  /** tokens_used / token_cap, 0–1 (may pass 1 when the budget is exhausted). */
  token_utilization: number;
  minor_issues_count: number;
  major_issues_count: number;
  started_at: string | null;
  completed_at: string | null;
}
