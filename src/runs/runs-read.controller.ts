import { IdParam } from '../http/id-param';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PublicRead } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { PhaseResultsDto } from './dto/phase-results.dto';
import { RunErrorListDto, RunErrorSummaryDto } from './dto/run-errors.dto';
import { RunIssueIndexDto } from './dto/run-issues.dto';
import { RunListResponseDto } from './dto/run-list.dto';
import { PageQueryDto, RunListQueryDto } from './dto/run-list-query.dto';
import { RunProgressDto } from './dto/run-progress.dto';
import { RunResponseDto } from './dto/run-response.dto';
import { PhaseResultsService } from './phase-results.service';
import { RunErrorsService } from './run-errors.service';
import { RunIssuesService } from './run-issues.service';
import { RunQueriesService } from './run-queries.service';

const notFound = ApiNotFoundResponse({
  description: 'No such run visible to the caller',
  type: ErrorResponseDto,
});
const badQuery = ApiBadRequestResponse({
  description: 'Invalid query parameter (`detail`)',
  type: ErrorResponseDto,
});

/** The operator's run views. A run the caller may not see answers 404, exactly like a missing one. */
@ApiTags('runs')
@Controller('runs')
export class RunsReadController {
  constructor(
    private readonly queries: RunQueriesService,
    private readonly issues: RunIssuesService,
    private readonly errors: RunErrorsService,
    private readonly results: PhaseResultsService,
  ) {}

  /** Runs, newest first (ties by id), with phase counts; filter by state and creation time. */
  @Get()
  @PublicRead()
  @ApiOkResponse({ type: RunListResponseDto })
  @badQuery
  list(
    @Query() query: RunListQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RunListResponseDto> {
    return this.queries.list(query, principal);
  }

  @Get(':run_id')
  @PublicRead()
  @ApiOkResponse({ type: RunResponseDto })
  @notFound
  get(@IdParam('run_id') runId: string, @CurrentPrincipal() principal: Principal): Promise<RunResponseDto> {
    return this.queries.get(runId, principal);
  }

  @Get(':run_id/progress')
  @PublicRead()
  @ApiOkResponse({ type: RunProgressDto })
  @notFound
  progress(
    @IdParam('run_id') runId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RunProgressDto> {
    return this.queries.progress(runId, principal);
  }

  /** The run's issues, de-duplicated by issue_key, with occurrence counts. */
  @Get(':run_id/issues/index')
  @PublicRead()
  @ApiOkResponse({ type: RunIssueIndexDto })
  @notFound
  issueIndex(
    @IdParam('run_id') runId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RunIssueIndexDto> {
    return this.issues.runIndex(runId, principal);
  }

  /** Error reports, newest first. */
  @Get(':run_id/errors')
  @PublicRead()
  @ApiOkResponse({ type: RunErrorListDto })
  @notFound
  @badQuery
  listErrors(
    @IdParam('run_id') runId: string,
    @Query() page: PageQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RunErrorListDto> {
    return this.errors.list(runId, page, principal);
  }

  @Get(':run_id/errors/summary')
  @PublicRead()
  @ApiOkResponse({ type: RunErrorSummaryDto })
  @notFound
  errorSummary(
    @IdParam('run_id') runId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RunErrorSummaryDto> {
    return this.errors.summary(runId, principal);
  }

  /** A phase's newest builder reports (with their patch) and auditor reviews, newest first. */
  @Get(':run_id/phases/:phase_id/results')
  @PublicRead()
  @ApiOkResponse({ type: PhaseResultsDto })
  @ApiNotFoundResponse({
    description: 'No such run visible to the caller, or no such phase',
    type: ErrorResponseDto,
  })
  phaseResults(
    @IdParam('run_id') runId: string,
    @IdParam('phase_id') phaseId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PhaseResultsDto> {
    return this.results.phaseResults(runId, phaseId, principal);
  }
}
