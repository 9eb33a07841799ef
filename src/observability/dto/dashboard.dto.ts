import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

const INT4_MAX = 2_147_483_647;

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
