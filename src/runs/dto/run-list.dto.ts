import { KeysetListFieldsDto } from '../../http/page-query.dto';
import type { RunState } from '../run-states';

export class RunSummaryDto {
  id: string;
  state: RunState;
  safety_profile: string;
  run_scope: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  tokens_used: number;
  token_cap: number;
  minor_issues_count: number;
  major_issues_count: number;
  failure_reason: string | null;
  owner_principal_id: string;
  phases_total: number;
  phases_queued: number;
  /** Phases in EXECUTING, GATE or CI_RUNNING. */
  phases_in_progress: number;
  phases_completed: number;
  phases_failed: number;
  phases_skipped: number;
}

/** A page of runs, newest first; `total` counts the caller's visible runs up to 10,000. */
export class RunListResponseDto extends KeysetListFieldsDto {
  runs: RunSummaryDto[];
}
