import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { BUILDER_STATUSES } from '../run-states';
import { ID_MAX_LENGTH, INT4_MAX, LIST_MAX_ITEMS, PATH_MAX_LENGTH, TEXT_MAX_LENGTH } from './limits';
import { PatchContent } from './patch-content';
import { SuggestedIssueDto } from './suggested-issue.dto';

export class ProbeResultDto {
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  probe_type: string;

  @IsInt()
  @Min(-INT4_MAX)
  @Max(INT4_MAX)
  exit_code: number;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  stdout?: string = '';

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  stderr?: string = '';

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(INT4_MAX)
  duration_seconds?: number = 0;
}

/**
 * `POST /runs/{run_id}/phases/{phase_id}/builder_result`. Unknown fields are refused (422);
 * `run_id`/`phase_id` must repeat the path. `patch_content` is capped (AUTOPACK_MAX_PATCH_BYTES, 413).
 */
export class BuilderResultDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  phase_id: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  run_id: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  run_type?: string = 'project_build';

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsString({ each: true })
  @MaxLength(PATH_MAX_LENGTH, { each: true })
  allowed_paths?: string[] = [];

  @IsOptional()
  @PatchContent()
  patch_content?: string | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsString({ each: true })
  @MaxLength(PATH_MAX_LENGTH, { each: true })
  files_changed?: string[] = [];

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  lines_added?: number = 0;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  lines_removed?: number = 0;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  builder_attempts?: number = 1;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  tokens_used?: number = 0;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(INT4_MAX)
  duration_minutes?: number = 0;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => ProbeResultDto)
  probe_results?: ProbeResultDto[] = [];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => SuggestedIssueDto)
  suggested_issues?: SuggestedIssueDto[] = [];

  @IsIn(BUILDER_STATUSES)
  status: 'success' | 'failed' | 'needs_review';

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  notes?: string = '';
}
