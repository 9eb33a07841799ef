import { IdParam } from '../http/id-param';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKey, PublicRead, UserAuth } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { DashboardRunStatusDto } from '../runs/dto/dashboard-status.dto';
import { RunQueriesService } from '../runs/run-queries.service';
import { HumanNotesService } from './human-notes.service';
import { ModelsService } from './models.service';
import { UsageService } from './usage.service';
import {
  ConsolidatedMetricsDto,
  ConsolidatedMetricsQueryDto,
  TokenSavingsDto,
  HumanNoteDto,
  HumanNoteResponseDto,
  ModelOverrideDto,
  ModelOverrideResponseDto,
  ModelsResponseDto,
  UsageEventDto,
  UsageEventRecordedDto,
  UsageQueryDto,
  UsageResponseDto,
} from './dto/dashboard.dto';

const runNotFound = ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown run, or not yours' });

/** Every `/dashboard` route: one run at a glance, token accounting, model mappings, human notes. */
@ApiTags('dashboard')
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly runs: RunQueriesService,
    private readonly usageService: UsageService,
    private readonly modelsService: ModelsService,
    private readonly notes: HumanNotesService,
  ) {}

  /** One run at a glance: current tier and phase, completion, budget use, issues. */
  @Get('runs/:run_id/status')
  @PublicRead()
  @ApiTags('runs')
  @ApiOkResponse({ type: DashboardRunStatusDto })
  @ApiNotFoundResponse({ description: 'No such run visible to the caller', type: ErrorResponseDto })
  status(
    @IdParam('run_id') runId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DashboardRunStatusDto> {
    return this.runs.dashboardStatus(runId, principal);
  }

  /** Executors report the tokens of each LLM call, for one of their runs. */
  @Post('usage/events')
  @ApiKey('runs:write')
  @ApiCreatedResponse({ type: UsageEventRecordedDto })
  @runNotFound
  @Idempotent()
  recordUsage(
    @Body() body: UsageEventDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UsageEventRecordedDto> {
    return this.usageService.recordUsage(body, principal);
  }

  /** Token use by provider and model over the last day, week or month (runs you may see). */
  @Get('usage')
  @PublicRead()
  @ApiOkResponse({ type: UsageResponseDto })
  usage(@Query() query: UsageQueryDto, @CurrentPrincipal() principal: Principal): Promise<UsageResponseDto> {
    return this.usageService.usage(query.period ?? 'day', principal);
  }

  /** Executors report tokens saved, in exactly one category per event. */
  @Post('token-savings')
  @ApiKey('runs:write')
  @ApiCreatedResponse({ description: 'Recorded' })
  @runNotFound
  @Idempotent()
  recordSavings(
    @Body() body: TokenSavingsDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ id: string; run_id: string }> {
    return this.usageService.recordSavings(body, principal);
  }

  /** Tokens spent and saved for one run, in four independent categories. Behind a kill switch (default off). */
  @Get('runs/:run_id/consolidated-metrics')
  @PublicRead()
  @ApiOkResponse({ type: ConsolidatedMetricsDto })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'AUTOPACK_ENABLE_CONSOLIDATED_METRICS is off',
  })
  @runNotFound
  consolidatedMetrics(
    @IdParam('run_id') runId: string,
    @Query() query: ConsolidatedMetricsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ConsolidatedMetricsDto> {
    return this.usageService.consolidatedMetrics(runId, query, principal);
  }

  /** Model mappings from config/models.yaml and the global overrides in force. */
  @Get('models')
  @PublicRead()
  @ApiOkResponse({ type: ModelsResponseDto })
  models(): Promise<ModelsResponseDto> {
    return this.modelsService.models();
  }

  @Post('models/override')
  @UserAuth('operator')
  @ApiCreatedResponse({ type: ModelOverrideResponseDto })
  @runNotFound
  override(
    @Body() body: ModelOverrideDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ModelOverrideResponseDto> {
    return this.modelsService.override(body, principal);
  }

  @Post('human-notes')
  @UserAuth('operator')
  @ApiCreatedResponse({ type: HumanNoteResponseDto })
  @runNotFound
  addNote(
    @Body() body: HumanNoteDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HumanNoteResponseDto> {
    return this.notes.addNote(body, principal);
  }
}
