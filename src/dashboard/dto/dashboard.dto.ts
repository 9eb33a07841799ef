import { QueryInteger } from '../../http/query-integer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { INT4_MAX } from '../../database/limits';
import { CursorQuery, MAX_OFFSET, OFFSET_TOO_DEEP } from '../../http/page-query.dto';

/** One LLM call's token use, reported by an executor for one of its runs. */
export class UsageEventDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  run_id: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  phase_id?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  provider: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  model: string;

  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  prompt_tokens: number;

  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  completion_tokens: number;
}

export class UsageEventRecordedDto {
  id: string;
  run_id: string;
  total_tokens: number;
}

export class UsageQueryDto {
  @IsOptional()
  @IsIn(['day', 'week', 'month'])
  period?: 'day' | 'week' | 'month' = 'day';
}

export class UsageByModelDto {
  provider: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  calls: number;
}

export class UsageResponseDto {
  period: 'day' | 'week' | 'month';
  /** Start of the window (now minus 1, 7 or 30 days). */
  since: string;
  total_tokens: number;
  by_model: UsageByModelDto[];
}

export class ModelOverrideDto {
  /** A role from config/models.yaml (`builder`, `auditor`, ...). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  role: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  model: string;

  /** Omit for a global override. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  run_id?: string;
}

export class ModelOverrideResponseDto {
  id: string;
  role: string;
  model: string;
  run_id: string | null;
  created_by: string;
  created_at: string;
}

export class ModelsResponseDto {
  /** role → complexity → model, from config/models.yaml. */
  mappings: Record<string, Record<string, string>>;
  /** Global overrides in force (newest per role). */
  global_overrides: ModelOverrideResponseDto[];
}

export class HumanNoteDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(10_000)
  note: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  run_id?: string;
}

export class HumanNoteResponseDto {
  id: string;
  note: string;
  run_id: string | null;
  author_id: string;
  author_name: string;
  created_at: string;
}

/** Tokens saved in one category (ab_delta may be negative: the variant cost more). */
export class TokenSavingsDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  run_id: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  phase_id?: string;

  @IsIn(['artifact_tokens_avoided', 'doctor_tokens_avoided_estimate', 'ab_delta'])
  category: 'artifact_tokens_avoided' | 'doctor_tokens_avoided_estimate' | 'ab_delta';

  @IsInt()
  @Min(-INT4_MAX)
  @Max(INT4_MAX)
  tokens: number;
}

/**
 * `?limit=1..10000&offset=0..10000&cursor=…`: the savings events are a keyset list (src/http/keyset-page.ts)
 * whose page size stays up to 10,000 as before; its own DTO because PageQueryDto caps `limit` at 100.
 */
export class ConsolidatedMetricsQueryDto {
  /** Savings events per page: 1–10000 (400 beyond). */
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number = 100;

  /** Savings events to skip (old clients). Deeper than 10,000 is refused: use `cursor`. */
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET, { message: OFFSET_TOO_DEEP })
  offset?: number = 0;

  /** `next_cursor` of the previous page: the events after it, at the cost of the first page. */
  @CursorQuery()
  cursor?: string;
}

export class MetricCategoriesDto {
  /** Sum of the run's LLM usage events (prompt + completion). */
  tokens_spent: number;
  artifact_tokens_avoided: number;
  doctor_tokens_avoided_estimate: number;
  ab_delta: number;
}

export class SavingsEventDto {
  id: string;
  phase_id: string | null;
  category: string;
  tokens: number;
  recorded_at: string;
}

export class ConsolidatedMetricsDto {
  run_id: string;
  token_cap: number;
  categories: MetricCategoriesDto;
  /** Oldest first (recorded_at, then id). */
  savings_events: SavingsEventDto[];
  /**
   * The run's savings events over all pages, counted up to 10,000 (constant cost): beyond that it is
   * 10,000 and `total_exact` is false.
   */
  total_savings_events: number;
  /** False when the run has more than 10,000 savings events: `total_savings_events` is then a lower bound. */
  total_exact: boolean;
  limit: number;
  offset: number;
  /** Pass as `cursor` for the next page of savings events (same cost as the first); null on the last page. */
  next_cursor: string | null;
}
