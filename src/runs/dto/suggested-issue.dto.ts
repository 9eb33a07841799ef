import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ISSUE_SEVERITIES } from '../run-states';
import type { IssueSeverity } from '../run-states';
import { ID_MAX_LENGTH, LIST_MAX_ITEMS, PATH_MAX_LENGTH, TEXT_MAX_LENGTH } from './limits';

/** An issue as builders and auditors suggest it (and as `record_issue` records it). */
export class SuggestedIssueDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  issue_key: string;

  @IsIn(ISSUE_SEVERITIES)
  severity: IssueSeverity;

  @IsOptional()
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  source?: string = 'cursor_self_doubt';

  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  category: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsString({ each: true })
  @MaxLength(PATH_MAX_LENGTH, { each: true })
  evidence_refs?: string[] = [];

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  description?: string = '';
}

/** `POST /runs/{run_id}/phases/{phase_id}/record_issue`: repeated keys count occurrences. */
export class RecordIssueDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  issue_key: string;

  @IsIn(ISSUE_SEVERITIES)
  severity: IssueSeverity;

  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  category: string;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX_LENGTH)
  description?: string = '';

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX_ITEMS)
  @IsString({ each: true })
  @MaxLength(PATH_MAX_LENGTH, { each: true })
  evidence_refs?: string[] = [];
}
