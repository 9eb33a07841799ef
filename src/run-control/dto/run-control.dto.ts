import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { INT4_MAX } from '../../http/input-bounds';
import { RunResponseDto } from '../../runs/dto/run-response.dto';
import { RUN_CONFLICT_CODES } from '../../runs/run-states';
import type { RunConflictCode } from '../../runs/run-states';

export class CancelRunDto {
  /** Why the run is stopped: kept on the run (`cancel_reason`), in the audit log and in the event. */
  @IsString()
  @Length(1, 1000)
  reason: string;
}

export class UpdateRunDto {
  /** The run's new token budget; at least what it has used (above it, to reopen a run out of budget). */
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  token_cap: number;
}

export class RunCancelledDto {
  /** The run as it is now (`state: CANCELLED`, `cancelled_by`, `cancelled_at`, `cancel_reason`). */
  run: RunResponseDto;
  /** Pending approval requests (`/approval/request`) withdrawn: now `rejected`. */
  withdrawn_approval_requests: string[];
  /** Pending governance requests withdrawn: now `rejected`. */
  withdrawn_governance_requests: string[];
  /** External actions cancelled (they were PENDING, APPROVED or FAILED). */
  cancelled_actions: string[];
  /** External actions left EXECUTING: an execution already under way finishes and reports its outcome. */
  executing_actions: string[];
}

/** A 409 about a run's state, with a machine-readable `code` (clients switch on it, not on the text). */
export class RunConflictDto extends ErrorResponseDto {
  @ApiProperty({ enum: RUN_CONFLICT_CODES, enumName: 'RunConflictCode', required: false })
  code?: RunConflictCode;
}
