import { KeysetListFieldsDto } from '../../http/page-query.dto';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { BoundedJson } from '../../http/bounded-json';
import { ID_MAX_LENGTH } from '../../http/input-bounds';
import { QueryInteger } from '../../http/query-integer';

/** The longest `GET /approval/status/{id}?wait=` long poll, in seconds. */
export const APPROVAL_WAIT_MAX_SECONDS = 30;

/** `GET /approval/status/{approval_id}`: without `wait`, answers at once (wire compatibility). */
export class ApprovalStatusQueryDto {
  /**
   * Long poll: while the request is pending, wait up to this many seconds (0–30) for it to be decided
   * or to time out, then answer with its status (still `pending` if nothing happened).
   */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: APPROVAL_WAIT_MAX_SECONDS })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(APPROVAL_WAIT_MAX_SECONDS)
  wait?: number;
}

/** `POST /approval/request` (docs/WIRE_FORMAT.md). */
export class ApprovalRequestDto {
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
  @MaxLength(ID_MAX_LENGTH)
  context?: string = 'unknown';

  @IsOptional()
  @BoundedJson('What the executor wants decided, shown to the operator.')
  decision_info?: Record<string, unknown> = {};

  @IsOptional()
  @BoundedJson('What would be deleted, when the request is about a deletion.')
  deletion_info?: Record<string, unknown>;
}

/** A human's decision on an approval request. The decider comes from the token, never from the body. */
export class ApprovalDecisionDto {
  @IsIn(['approve', 'reject'])
  decision: 'approve' | 'reject';

  /** Why: recorded with the decision and in the audit log. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  comment: string;
}

export class ApprovalResponseDto {
  approval_id: string;
  status: 'pending' | 'approved' | 'rejected' | 'timeout';
  run_id: string;
  phase_id: string;
  context: string;
  decision_info: Record<string, unknown>;
  deletion_info: Record<string, unknown> | null;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  comment: string | null;
}

/** Pending requests, oldest first (500 per page unless `limit` says fewer). */
export class ApprovalListDto extends KeysetListFieldsDto {
  approvals: ApprovalResponseDto[];
}
