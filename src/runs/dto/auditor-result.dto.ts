import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { AUDITOR_RECOMMENDATIONS, CONFIDENCES } from '../run-states';
import { ID_MAX_LENGTH, INT4_MAX, LIST_MAX_ITEMS, PATH_MAX_LENGTH, TEXT_MAX_LENGTH } from './limits';
import { PatchContent } from './patch-content';
import { SuggestedIssueDto } from './suggested-issue.dto';

export class SuggestedPatchDto {
  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  description: string;

  @PatchContent()
  patch_content: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsString({ each: true })
  @MaxLength(PATH_MAX_LENGTH, { each: true })
  files_affected?: string[] = [];
}

/** `POST /runs/{run_id}/phases/{phase_id}/auditor_result`; `run_id`/`phase_id` must repeat the path. */
export class AuditorResultDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  phase_id: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  run_id: string;

  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  review_notes: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => SuggestedIssueDto)
  issues_found?: SuggestedIssueDto[] = [];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => SuggestedPatchDto)
  suggested_patches?: SuggestedPatchDto[] = [];

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  auditor_attempts?: number = 1;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  tokens_used?: number = 0;

  @IsIn(AUDITOR_RECOMMENDATIONS)
  recommendation: 'approve' | 'revise' | 'escalate';

  @IsOptional()
  @IsIn(CONFIDENCES)
  confidence?: 'low' | 'medium' | 'high' = 'medium';
}
