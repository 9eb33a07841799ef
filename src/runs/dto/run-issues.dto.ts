import type { IssueSeverity } from '../run-states';

export class RunIssueEntryDto {
  issue_key: string;
  /** The most severe severity the key was recorded with in this run. */
  severity: IssueSeverity;
  category: string;
  description: string;
  /** Occurrences summed over the run's phases. */
  occurrence_count: number;
  seen_in_phases: string[];
  seen_in_tiers: string[];
  first_seen_at: string;
  last_seen_at: string;
}

export class RunIssueIndexDto {
  run_id: string;
  issues: RunIssueEntryDto[];
  /** The same entries keyed by `issue_key` (the earlier server's shape). */
  issues_by_key: Record<string, RunIssueEntryDto>;
  total: number;
}

export class BacklogEntryDto {
  issue_key: string;
  severity: IssueSeverity;
  category: string;
  occurrence_count: number;
  /** How many runs the issue was seen in. */
  age_in_runs: number;
  first_seen_run_id: string;
  last_seen_run_id: string;
  first_seen_at: string;
  last_seen_at: string;
}

export class ProjectBacklogDto {
  issues: BacklogEntryDto[];
  total: number;
  limit: number;
  offset: number;
}
