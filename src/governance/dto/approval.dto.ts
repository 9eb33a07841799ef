import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { BoundedJson } from '../../http/bounded-json';
import { ID_MAX_LENGTH } from '../../http/input-bounds';

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

export class ApprovalListDto {
  approvals: ApprovalResponseDto[];
  total: number;
}
