import { Body, Controller, HttpCode, HttpStatus, Patch, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentAuditContext } from '../audit/audit-context.decorator';
import type { AuditContext } from '../audit/audit-context';
import { UserAuth } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { IdParam } from '../http/id-param';
import { RunResponseDto } from '../runs/dto/run-response.dto';
import { CancelRunDto, RunCancelledDto, RunConflictDto, UpdateRunDto } from './dto/run-control.dto';
import { RunControlService } from './run-control.service';

const notFound = ApiNotFoundResponse({ description: 'No such run (or phase)', type: ErrorResponseDto });
const invalid = ApiUnprocessableEntityResponse({
  description: 'The body failed validation (`detail`)',
  type: ErrorResponseDto,
});
const conflict = (description: string) => ApiConflictResponse({ description, type: RunConflictDto });

/** Operators stop a run, give a failed phase another try, or change a run's budget (docs/WIRE_FORMAT.md). */
@ApiTags('runs')
@Controller('runs')
export class RunControlController {
  constructor(private readonly control: RunControlService) {}

  /**
   * Cancels a run that is not finished, in one transaction: the run becomes CANCELLED, its pending
   * approval and governance requests are withdrawn, its PENDING/APPROVED/FAILED external actions are
   * cancelled (an EXECUTING one finishes and is listed). The executor's next write is a 409 `run_cancelled`.
   */
  @Post(':run_id/cancel')
  @HttpCode(HttpStatus.OK)
  @UserAuth('operator')
  @ApiOkResponse({ type: RunCancelledDto })
  @conflict('The run is finished already (`code`: `run_cancelled` or `run_finished`)')
  @notFound
  @invalid
  cancel(
    @IdParam('run_id') runId: string,
    @Body() body: CancelRunDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<RunCancelledDto> {
    return this.control.cancel(runId, body.reason, principal, ctx);
  }

  /**
   * A FAILED phase goes back to QUEUED with its `attempt` incremented; a run that had finished failing
   * (other than out of budget) reopens. Audited `phase.retried`.
   */
  @Post(':run_id/phases/:phase_id/retry')
  @HttpCode(HttpStatus.OK)
  @UserAuth('operator')
  @ApiOkResponse({ type: RunResponseDto })
  @conflict(
    'The phase is not FAILED (`phase_not_failed`), the run is cancelled or succeeded (`run_cancelled`, `run_finished`) or out of budget (`budget_exhausted`: raise token_cap first)',
  )
  @notFound
  retryPhase(
    @IdParam('run_id') runId: string,
    @IdParam('phase_id') phaseId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<RunResponseDto> {
    return this.control.retryPhase(runId, phaseId, principal, ctx);
  }

  /**
   * Changes a run's `token_cap` (audited `run.token_cap_changed`). The only way out of
   * DONE_FAILED_BUDGET_EXHAUSTED: a cap above the tokens used reopens the run.
   */
  @Patch(':run_id')
  @UserAuth('operator')
  @ApiOkResponse({ type: RunResponseDto })
  @conflict(
    'The run is cancelled or finished otherwise than out of budget (`run_cancelled`, `run_finished`), or the cap is below what it used (`budget_exhausted`)',
  )
  @notFound
  @invalid
  update(
    @IdParam('run_id') runId: string,
    @Body() body: UpdateRunDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<RunResponseDto> {
    return this.control.setTokenCap(runId, body.token_cap, principal, ctx);
  }
}
