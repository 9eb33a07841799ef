import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PublicRead } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { ProjectBacklogDto } from './dto/run-issues.dto';
import { OffsetPageQueryDto } from '../http/page-query.dto';
import { RunIssuesService } from './run-issues.service';

@ApiTags('runs')
@Controller('project/issues')
export class ProjectIssuesController {
  constructor(private readonly issues: RunIssuesService) {}

  /** Issues across the runs the caller may see, grouped by issue_key, most recently seen first. */
  @Get('backlog')
  @PublicRead()
  @ApiOkResponse({ type: ProjectBacklogDto })
  @ApiBadRequestResponse({ description: 'Invalid query parameter (`detail`)', type: ErrorResponseDto })
  backlog(
    @Query() page: OffsetPageQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ProjectBacklogDto> {
    return this.issues.backlog(page, principal);
  }
}
