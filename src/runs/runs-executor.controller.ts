import { IdParam } from '../http/id-param';
import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKey } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { AuditorResultDto } from './dto/auditor-result.dto';
import { BuilderResultDto } from './dto/builder-result.dto';
import { ErrorReportDto } from './dto/error-report.dto';
import { PhaseStatusUpdateDto } from './dto/phase-status-update.dto';
import { RunResponseDto } from './dto/run-response.dto';
import { RunStartDto } from './dto/run-start.dto';
import { RecordIssueDto } from './dto/suggested-issue.dto';
import {
  ErrorRecordedDto,
  IssueRecordedDto,
  PhaseWriteResponseDto,
  ResultRecordedDto,
} from './dto/write-responses.dto';
import { PhaseWritesService } from './phase-writes.service';
import { RunErrorsService } from './run-errors.service';
import { RunQueriesService } from './run-queries.service';
import { RunStartService } from './run-start.service';

const invalid = ApiUnprocessableEntityResponse({
  description: 'The body failed validation (`detail`)',
  type: ErrorResponseDto,
});
const notFound = ApiNotFoundResponse({
  description: 'No such run or phase visible to this key',
  type: ErrorResponseDto,
});
const conflict = (description: string) => ApiConflictResponse({ description, type: ErrorResponseDto });
const patchTooLarge = ApiPayloadTooLargeResponse({
  description: 'A patch is over AUTOPACK_MAX_PATCH_BYTES (default 1 MiB), or the body over the body limit',
  type: ErrorResponseDto,
});

/** The executor side of runs (docs/WIRE_FORMAT.md): machines with `runs:write`, each writing only to its own runs. */
@ApiTags('runs')
@Controller('runs')
export class RunsExecutorController {
  constructor(
    private readonly starts: RunStartService,
    private readonly writes: PhaseWritesService,
    private readonly errors: RunErrorsService,
    private readonly queries: RunQueriesService,
  ) {}

  /** Starts a run with its tiers and phases. An identical retry by the same key returns the run with 200. */
  @Post('start')
  @ApiKey('runs:write')
  @RateLimit('runs_start')
  @ApiCreatedResponse({ type: RunResponseDto, description: 'The run was created' })
  @ApiOkResponse({ type: RunResponseDto, description: 'An identical earlier request created this run' })
  @ApiUnprocessableEntityResponse({
    description: 'Invalid body, a phase naming no tier of the request, or more phases than max_phases',
    type: ErrorResponseDto,
  })
  @ApiConflictResponse({
    description: 'The run_id is taken (by another request body or principal)',
    type: ErrorResponseDto,
  })
  @Idempotent()
  async start(
    @Body() body: RunStartDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RunResponseDto> {
    const outcome = await this.starts.start(body, principal);
    res.status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.view ?? this.queries.get(outcome.runId, principal);
  }

  /** Moves a phase along its state machine (and updates its counters). */
  @Post(':run_id/phases/:phase_id/update_status')
  @HttpCode(HttpStatus.OK)
  @ApiKey('runs:write')
  @ApiOkResponse({ type: PhaseWriteResponseDto })
  @conflict('Illegal transition (the body names the allowed ones), a finished run, or an exhausted budget')
  @notFound
  @invalid
  @Idempotent()
  updateStatus(
    @IdParam('run_id') runId: string,
    @IdParam('phase_id') phaseId: string,
    @Body() body: PhaseStatusUpdateDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PhaseWriteResponseDto> {
    return this.writes.updateStatus({ runId, phaseId }, body, principal);
  }

  /** Records a builder attempt. Unknown fields are refused; run_id and phase_id must repeat the path. */
  @Post(':run_id/phases/:phase_id/builder_result')
  @ApiKey('runs:write')
  @ApiCreatedResponse({ type: ResultRecordedDto })
  @conflict('The run is finished or the phase is final')
  @notFound
  @invalid
  @patchTooLarge
  @Idempotent()
  builderResult(
    @IdParam('run_id') runId: string,
    @IdParam('phase_id') phaseId: string,
    @Body() body: BuilderResultDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ResultRecordedDto> {
    return this.writes.builderResult({ runId, phaseId }, body, principal);
  }

  /** Records an auditor review; run_id and phase_id must repeat the path. */
  @Post(':run_id/phases/:phase_id/auditor_result')
  @ApiKey('runs:write')
  @ApiCreatedResponse({ type: ResultRecordedDto })
  @conflict('The run is finished or the phase is final')
  @notFound
  @invalid
  @patchTooLarge
  @Idempotent()
  auditorResult(
    @IdParam('run_id') runId: string,
    @IdParam('phase_id') phaseId: string,
    @Body() body: AuditorResultDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ResultRecordedDto> {
    return this.writes.auditorResult({ runId, phaseId }, body, principal);
  }

  /** Records an issue for the phase; the same issue_key again counts another occurrence. */
  @Post(':run_id/phases/:phase_id/record_issue')
  @ApiKey('runs:write')
  @ApiCreatedResponse({ type: IssueRecordedDto })
  @conflict('The run is finished')
  @notFound
  @invalid
  @Idempotent()
  recordIssue(
    @IdParam('run_id') runId: string,
    @IdParam('phase_id') phaseId: string,
    @Body() body: RecordIssueDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<IssueRecordedDto> {
    return this.writes.recordIssue({ runId, phaseId }, body, principal);
  }

  /** Reports an error (type, message, phase, context); secrets are redacted before storage. */
  @Post(':run_id/errors')
  @ApiKey('runs:write')
  @ApiCreatedResponse({ type: ErrorRecordedDto })
  @notFound
  @invalid
  @Idempotent()
  reportError(
    @IdParam('run_id') runId: string,
    @Body() body: ErrorReportDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ErrorRecordedDto> {
    return this.errors.report(runId, body, principal);
  }
}
