import { IdParam } from '../http/id-param';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiKey, PublicRead, UserAuth } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { ApprovalRequestsService } from './approval-requests.service';
import {
  ApprovalStatusQueryDto,
  ApprovalDecisionDto,
  ApprovalListDto,
  ApprovalRequestDto,
  ApprovalResponseDto,
} from './dto/approval.dto';
import {
  GovernanceDecisionDto,
  GovernanceListDto,
  GovernanceRequestDto,
  GovernanceResponseDto,
} from './dto/governance.dto';
import { GovernanceRequestsService } from './governance-requests.service';

const notFound = ApiNotFoundResponse({
  type: ErrorResponseDto,
  description: 'Unknown, or not visible to you',
});
const notPending = ApiConflictResponse({
  type: ErrorResponseDto,
  description: 'Already decided or timed out',
});

/** The legacy executor approval flow (docs/WIRE_FORMAT.md): pending until a human decides, never on timeout. */
@ApiTags('governance')
@Controller('approval')
export class ApprovalController {
  constructor(private readonly approvals: ApprovalRequestsService) {}

  /** Executors ask before a risky step. Pending by default; see docs/GOVERNANCE.md. */
  @Post('request')
  @ApiKey('approvals:request')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ApprovalResponseDto })
  @notFound
  @Idempotent()
  request(
    @Body() body: ApprovalRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApprovalResponseDto> {
    return this.approvals.request(body, principal);
  }

  /**
   * A request's status; machines see only their own requests. Expired requests read as `timeout`.
   * `?wait=N` (≤ 30 s) long-polls while it is pending.
   */
  @Get('status/:approval_id')
  @PublicRead()
  @ApiOkResponse({ type: ApprovalResponseDto })
  @notFound
  status(
    @IdParam('approval_id', 'uuid') id: string,
    @Query() query: ApprovalStatusQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApprovalResponseDto> {
    return this.approvals.status(id, principal, query.wait ?? 0);
  }

  @Get('pending')
  @PublicRead()
  @ApiOkResponse({ type: ApprovalListDto })
  async pending(@CurrentPrincipal() principal: Principal): Promise<ApprovalListDto> {
    const approvals = await this.approvals.pending(principal);
    return { approvals, total: approvals.length };
  }

  /** A human operator approves or rejects; never the requester, never a machine. */
  @Post(':approval_id/decision')
  @UserAuth('operator')
  @RateLimit('decisions')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ApprovalResponseDto })
  @notFound
  @notPending
  decide(
    @IdParam('approval_id', 'uuid') id: string,
    @Body() body: ApprovalDecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApprovalResponseDto> {
    return this.approvals.decide(id, body, principal);
  }
}

/** Path-based change requests, decided by config/governance-policy.yaml and, where it says so, a human. */
@ApiTags('governance')
@Controller('governance')
export class GovernanceController {
  constructor(private readonly requests: GovernanceRequestsService) {}

  @Post('requests')
  @ApiKey('approvals:request')
  @ApiCreatedResponse({ type: GovernanceResponseDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'A path is empty, absolute or escapes the root',
  })
  @notFound
  @Idempotent()
  request(
    @Body() body: GovernanceRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GovernanceResponseDto> {
    return this.requests.request(body, principal);
  }

  @Get('pending')
  @PublicRead()
  @ApiOkResponse({ type: GovernanceListDto })
  async pending(@CurrentPrincipal() principal: Principal): Promise<GovernanceListDto> {
    const requests = await this.requests.pending(principal);
    return { requests, total: requests.length };
  }

  /** One request with each path's verdict and the pattern that decided it (the console's review page). */
  @Get('requests/:request_id')
  @PublicRead()
  @ApiOkResponse({ type: GovernanceResponseDto })
  @notFound
  get(
    @IdParam('request_id', 'uuid') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GovernanceResponseDto> {
    return this.requests.get(id, principal);
  }

  @Post('approve/:request_id')
  @UserAuth('operator')
  @RateLimit('decisions')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: GovernanceResponseDto })
  @notFound
  @notPending
  decide(
    @IdParam('request_id', 'uuid') id: string,
    @Body() body: GovernanceDecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GovernanceResponseDto> {
    return this.requests.decide(id, body, principal);
  }
}
