import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PHASE_STATES, QUALITY_LEVELS } from '../run-states';
import type { PhaseState } from '../run-states';
import { INT4_MAX } from './limits';

/** `POST /runs/{run_id}/phases/{phase_id}/update_status`. Clients often send only `state`. */
export class PhaseStatusUpdateDto {
  @IsIn(PHASE_STATES)
  state: PhaseState;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  builder_attempts?: number | null;

  /** The executor's running total for the phase; the phase counts the larger of this and its results' sum. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  tokens_used?: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  minor_issues_count?: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  major_issues_count?: number | null;

  @IsOptional()
  @IsIn(QUALITY_LEVELS)
  quality_level?: 'ok' | 'needs_review' | 'blocked' | null;

  @IsOptional()
  @IsBoolean()
  quality_blocked?: boolean | null;
}
