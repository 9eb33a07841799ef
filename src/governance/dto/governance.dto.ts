import { KeysetListFieldsDto } from '../../http/page-query.dto';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsString,
  MaxLength,
} from 'class-validator';

/** `POST /governance/requests`: an executor asks to change these paths. */
export class GovernanceRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  run_id: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  phase_id: string;

  /** Repository-relative paths; normalized before matching (see docs/GOVERNANCE.md). */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(1000, { each: true })
  paths: string[];

  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class GovernanceDecisionDto {
  @IsBoolean()
  approved: boolean;

  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  comment: string;
}

export class PathVerdictDto {
  path: string;
  normalized: string;
  decision: 'never_auto_approve' | 'auto_approve' | 'requires_approval';
  /** The pattern that decided, or `default-deny`. */
  rule: string;
}

export class GovernanceResponseDto {
  request_id: string;
  status: 'pending' | 'approved' | 'rejected' | 'timeout';
  run_id: string;
  phase_id: string;
  reason: string;
  paths: PathVerdictDto[];
  requested_by: string;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  comment: string | null;
}

/** Pending requests, oldest first (500 per page unless `limit` says fewer). */
export class GovernanceListDto extends KeysetListFieldsDto {
  requests: GovernanceResponseDto[];
}
