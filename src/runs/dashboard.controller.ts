import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PublicRead } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { DashboardRunStatusDto } from './dto/dashboard-status.dto';
import { RunQueriesService } from './run-queries.service';

@ApiTags('runs')
@Controller('dashboard/runs')
export class DashboardController {
  constructor(private readonly queries: RunQueriesService) {}

  /** One run at a glance: current tier and phase, completion, budget use, issues. */
  @Get(':run_id/status')
  @PublicRead()
  @ApiOkResponse({ type: DashboardRunStatusDto })
  @ApiNotFoundResponse({ description: 'No such run visible to the caller', type: ErrorResponseDto })
  status(
    @Param('run_id') runId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DashboardRunStatusDto> {
    return this.queries.dashboardStatus(runId, principal);
  }
}
