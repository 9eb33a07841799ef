import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
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
import { DashboardService } from './dashboard.service';
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

@ApiTags('dashboard')
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  /** Executors report the tokens of each LLM call, for one of their runs. */
  @Post('usage/events')
  @ApiKey('runs:write')
  @ApiCreatedResponse({ type: UsageEventRecordedDto })
  @runNotFound
  recordUsage(
    @Body() body: UsageEventDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UsageEventRecordedDto> {
    return this.dashboard.recordUsage(body, principal);
  }

  /** Token use by provider and model over the last day, week or month (runs you may see). */
  @Get('usage')
  @PublicRead()
  @ApiOkResponse({ type: UsageResponseDto })
  usage(@Query() query: UsageQueryDto, @CurrentPrincipal() principal: Principal): Promise<UsageResponseDto> {
    return this.dashboard.usage(query.period ?? 'day', principal);
  }

  /** Executors report tokens saved, in exactly one category per event. */
  @Post('token-savings')
  @ApiKey('runs:write')
  @ApiCreatedResponse({ description: 'Recorded' })
  @runNotFound
  recordSavings(
    @Body() body: TokenSavingsDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ id: string; run_id: string }> {
    return this.dashboard.recordSavings(body, principal);
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
    @Param('run_id') runId: string,
    @Query() query: ConsolidatedMetricsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ConsolidatedMetricsDto> {
    return this.dashboard.consolidatedMetrics(runId, query, principal);
  }

  /** Model mappings from config/models.yaml and the global overrides in force. */
  @Get('models')
  @PublicRead()
  @ApiOkResponse({ type: ModelsResponseDto })
  models(): Promise<ModelsResponseDto> {
    return this.dashboard.models();
  }

  @Post('models/override')
  @UserAuth('operator')
  @ApiCreatedResponse({ type: ModelOverrideResponseDto })
  @runNotFound
  override(
    @Body() body: ModelOverrideDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ModelOverrideResponseDto> {
    return this.dashboard.override(body, principal);
  }

  @Post('human-notes')
  @UserAuth('operator')
  @ApiCreatedResponse({ type: HumanNoteResponseDto })
  @runNotFound
  addNote(
    @Body() body: HumanNoteDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HumanNoteResponseDto> {
    return this.dashboard.addNote(body, principal);
  }
}
