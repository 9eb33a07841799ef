import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { INT4_MAX } from '../../http/input-bounds';
import { RunResponseDto } from '../../runs/dto/run-response.dto';

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
