/** One builder attempt's report, as the console shows it (the patch as unified diff text). */
export class BuilderResultViewDto {
  id: string;
  /** `success`, `failed`, … as the executor reported it. */
  status: string;
  run_type: string;
  /** The unified diff the builder produced, or null when it sent none. */
  patch_content: string | null;
  files_changed: string[];
  lines_added: number;
  lines_removed: number;
  builder_attempts: number;
  tokens_used: number;
  duration_minutes: number;
  notes: string;
  created_at: string;
}

/** One auditor review of a phase. */
export class AuditorResultViewDto {
  id: string;
  /** `approve`, `revise`, `escalate`, … as the executor reported it. */
  recommendation: string;
  confidence: string;
  review_notes: string;
  issues_found: Array<Record<string, unknown>>;
  suggested_patches: Array<Record<string, unknown>>;
  auditor_attempts: number;
  tokens_used: number;
  created_at: string;
}

/** `GET /runs/{run_id}/phases/{phase_id}/results`: a phase's latest builder and auditor reports, newest first. */
export class PhaseResultsDto {
  run_id: string;
  phase_id: string;
  /** At most the 10 newest builder reports. */
  builder_results: BuilderResultViewDto[];
  /** At most the 10 newest auditor reviews. */
  auditor_results: AuditorResultViewDto[];
}
