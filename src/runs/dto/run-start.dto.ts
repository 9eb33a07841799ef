import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { BoundedJson } from '../../http/bounded-json';
import { COMPLEXITIES, RUN_SCOPES, SAFETY_PROFILES } from '../run-states';
import {
  ID_MAX_LENGTH,
  INT32_MIN,
  INT4_MAX,
  LIST_MAX_ITEMS,
  NAME_MAX_LENGTH,
  TEXT_MAX_LENGTH,
} from './limits';

export class RunCreateDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  run_id: string;

  @IsOptional()
  @IsIn(SAFETY_PROFILES)
  safety_profile?: 'normal' | 'safety_critical' = 'normal';

  @IsOptional()
  @IsIn(RUN_SCOPES)
  run_scope?: 'multi_tier' | 'single_tier' = 'multi_tier';

  /** Tokens the run may use; default `RUN_TOKEN_CAP` (5,000,000). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  token_cap?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  max_phases?: number = 25;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  max_duration_minutes?: number = 120;
}

export class TierCreateDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  tier_id: string;

  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  tier_index: number;

  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  description?: string | null;
}

/** References into the project's intention document; each a list of integers, no other keys. */
export class IntentionRefsDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsInt({ each: true })
  @Min(INT32_MIN, { each: true })
  @Max(INT4_MAX, { each: true })
  success_criteria?: number[] = [];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsInt({ each: true })
  @Min(INT32_MIN, { each: true })
  @Max(INT4_MAX, { each: true })
  constraints_must?: number[] = [];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsInt({ each: true })
  @Min(INT32_MIN, { each: true })
  @Max(INT4_MAX, { each: true })
  constraints_must_not?: number[] = [];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsInt({ each: true })
  @Min(INT32_MIN, { each: true })
  @Max(INT4_MAX, { each: true })
  constraints_preferences?: number[] = [];
}

export class PhaseCreateDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  phase_id: string;

  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  phase_index: number;

  /** Must name a tier of the same request. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  tier_id: string;

  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  description?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  task_category?: string | null;

  @IsOptional()
  @IsIn(COMPLEXITIES)
  complexity?: 'low' | 'medium' | 'high' | null;

  @IsOptional()
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  builder_mode?: string | null;

  @IsOptional()
  @BoundedJson('The phase scope; `read_only_context` entries are normalised to `{ path, reason }`.', {
    nullable: true,
  })
  scope?: Record<string, unknown> | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => IntentionRefsDto)
  intention_refs?: IntentionRefsDto | null;
}

/** `POST /runs/start`. */
export class RunStartDto {
  @IsDefined()
  @ValidateNested()
  @Type(() => RunCreateDto)
  run: RunCreateDto;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => TierCreateDto)
  tiers?: TierCreateDto[] = [];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => PhaseCreateDto)
  phases?: PhaseCreateDto[] = [];
}
