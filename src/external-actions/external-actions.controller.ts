import { IdParam } from '../http/id-param';
import { ID_MAX_LENGTH } from '../http/input-bounds';
import {
  Body,
  ConflictException,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuditContext } from '../audit/audit-context';
import { CurrentAuditContext } from '../audit/audit-context.decorator';
import { ApiKey, PublicRead, UserAuth } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { ActionClaimsService } from './action-claims.service';
import {
  ActionConflictDto,
  ActionListDto,
  ActionListQueryDto,
  ActionWithHistoryDto,
  CancelDto,
  ClaimActionDto,
  ClaimDeniedDto,
  ClaimGrantedDto,
  ExternalActionDto,
  KillSwitchesDto,
  OutcomeDto,
  PreviousApprovedDto,
  ProposeActionDto,
  ReconcileDto,
  ReviewActionDto,
  RunActionsExportDto,
} from './dto/external-action.dto';
import { ExternalActionsReader, toActionDto } from './external-actions.reader';
import { ExternalActionsService } from './external-actions.service';

const notFound = ApiNotFoundResponse({
  description: 'No such action visible to the caller',
  type: ErrorResponseDto,
});
const invalid = ApiUnprocessableEntityResponse({
  description: 'The body failed validation (`detail`)',
  type: ErrorResponseDto,
});
const conflict = (description: string, type: typeof ErrorResponseDto = ErrorResponseDto) =>
  ApiConflictResponse({ description, type });

/**
 * External side effects (docs/EXTERNAL_ACTIONS.md): executors propose and claim, humans decide. Nothing
 * executes without an APPROVED action whose approved payload hash the executor presents at claim time.
 */
@ApiTags('external-actions')
@Controller('external-actions')
export class ExternalActionsController {
  constructor(
    private readonly actions: ExternalActionsService,
    private readonly claims: ActionClaimsService,
    private readonly reader: ExternalActionsReader,
  ) {}

  /**
   * Proposes an action. Tier A/B are approved by policy at once; Tier C (and anything unclassified) waits
   * PENDING for humans. The same Idempotency-Key with the same payload answers the stored action (200).
   */
  @Post()
  @ApiKey('actions:propose')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: '1–255 visible ASCII characters',
    schema: { type: 'string', minLength: 1, maxLength: ID_MAX_LENGTH, pattern: '^[\\x21-\\x7E]+$' },
  })
  @ApiCreatedResponse({ type: ExternalActionDto, description: 'The action was proposed' })
  @ApiOkResponse({
    type: ExternalActionDto,
    description: 'A replay: this key and payload created it earlier',
  })
  @ApiBadRequestResponse({ description: 'Idempotency-Key missing or malformed', type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    description: 'Invalid body, a spend over the policy limit, or this key used with a different payload',
    type: ErrorResponseDto,
  })
  @conflict('A request with this Idempotency-Key is still in flight')
  async propose(
    @Body() body: ProposeActionDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExternalActionDto> {
    const outcome = await this.actions.propose(body, idempotencyKey, principal, ctx);
    res.status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK);
    return toActionDto(outcome.action);
  }

  /** Actions, newest first; operators see all, other principals only their own. */
  @Get()
  @PublicRead()
  @ApiOkResponse({ type: ActionListDto })
  @ApiBadRequestResponse({ description: 'Invalid query parameter (`detail`)', type: ErrorResponseDto })
  list(@Query() query: ActionListQueryDto, @CurrentPrincipal() principal: Principal): Promise<ActionListDto> {
    return this.reader.list(query, principal);
  }

  /** The global and per-domain switches, dry-run, the daily caps and today's (UTC) reserved use. */
  @Get('kill-switches')
  @PublicRead()
  @ApiOkResponse({ type: KillSwitchesDto })
  killSwitches(): Promise<KillSwitchesDto> {
    return this.reader.killSwitches();
  }

  /** Every action of a run with its full history: the run's record of side effects. */
  @Get('runs/:run_id/export')
  @PublicRead()
  @ApiOkResponse({ type: RunActionsExportDto })
  exportRun(
    @IdParam('run_id') runId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RunActionsExportDto> {
    return this.reader.exportRun(runId, principal);
  }

  /** One action with every audit event about it. */
  @Get(':id')
  @PublicRead()
  @ApiOkResponse({ type: ActionWithHistoryDto })
  @notFound
  get(
    @IdParam('id', 'uuid') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ActionWithHistoryDto> {
    return this.reader.get(id, principal);
  }

  /**
   * The most recently approved other action of the same provider and action (visible to you): the
   * baseline the console diffs this payload against. `previous` is null when there is none.
   */
  @Get(':id/previous-approved')
  @PublicRead()
  @ApiOkResponse({ type: PreviousApprovedDto })
  @notFound
  previousApproved(
    @IdParam('id', 'uuid') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PreviousApprovedDto> {
    return this.reader.previousApproved(id, principal);
  }

  /**
   * A human approves exactly the payload reviewed (`payload_hash`). Never the proposer (nor the human
   * behind the proposing key); two-person actions need two distinct humans.
   */
  @Post(':id/approve')
  @HttpCode(HttpStatus.OK)
  @UserAuth('operator')
  @RateLimit('actions_approve')
  @ApiOkResponse({ type: ExternalActionDto })
  @conflict(
    "Not PENDING, the payload_hash is not the current payload's (`reason: hash_mismatch`), or already approved by you",
    ActionConflictDto,
  )
  @notFound
  @invalid
  async approve(
    @IdParam('id', 'uuid') id: string,
    @Body() body: ReviewActionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<ExternalActionDto> {
    return toActionDto(await this.actions.approve(id, body, principal, ctx));
  }

  @Post(':id/reject')
  @HttpCode(HttpStatus.OK)
  @UserAuth('operator')
  @RateLimit('actions_approve')
  @ApiOkResponse({ type: ExternalActionDto })
  @conflict(
    "Not PENDING, or the payload_hash is not the current payload's (`reason: hash_mismatch`)",
    ActionConflictDto,
  )
  @notFound
  @invalid
  async reject(
    @IdParam('id', 'uuid') id: string,
    @Body() body: ReviewActionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<ExternalActionDto> {
    return toActionDto(await this.actions.reject(id, body, principal, ctx));
  }

  /**
   * The execution claim. 200 only when every rule holds (docs/EXTERNAL_ACTIONS.md); `mode: "dry_run"`
   * means: do not perform the side effect. Any denial is 409 with a machine-readable `reason`.
   */
  @Post(':id/claim')
  @HttpCode(HttpStatus.OK)
  @ApiKey('actions:execute')
  @RateLimit('actions_claim')
  @ApiOkResponse({ type: ClaimGrantedDto })
  @conflict(
    'Denied; `reason` says why (not_approved, hash_mismatch, approval_expired, kill_switch_off, …)',
    ClaimDeniedDto,
  )
  @notFound
  @invalid
  async claim(
    @IdParam('id', 'uuid') id: string,
    @Body() body: ClaimActionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<ClaimGrantedDto> {
    const result = await this.claims.claim(id, body, principal, ctx);
    if (!result.granted) {
      throw new ConflictException({ message: result.detail, reason: result.reason, granted: false });
    }
    return {
      granted: true,
      mode: result.mode,
      attempt_id: result.action.attemptId!,
      lease_expires_at: result.action.leaseExpiresAt?.toISOString() ?? null,
      payload: result.action.payload,
      payload_hash: result.action.approvedPayloadHash!,
      action: toActionDto(result.action),
    };
  }

  /** The claiming executor reports the result of its attempt: COMPLETED or FAILED. */
  @Post(':id/outcome')
  @HttpCode(HttpStatus.OK)
  @ApiKey('actions:execute')
  @ApiOkResponse({ type: ExternalActionDto })
  @conflict(
    'Not executing this attempt (`not_executing`), not the claimant (`not_claimant`), or the lease ran out (`lease_expired`: OUTCOME_UNKNOWN)',
    ActionConflictDto,
  )
  @notFound
  @invalid
  async outcome(
    @IdParam('id', 'uuid') id: string,
    @Body() body: OutcomeDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<ExternalActionDto> {
    return toActionDto(await this.claims.outcome(id, body, principal, ctx));
  }

  /** An operator settles an OUTCOME_UNKNOWN action after checking the provider. */
  @Post(':id/reconcile')
  @HttpCode(HttpStatus.OK)
  @UserAuth('operator')
  @RateLimit('actions_approve')
  @ApiOkResponse({ type: ExternalActionDto })
  @conflict('The action is not OUTCOME_UNKNOWN')
  @notFound
  @invalid
  async reconcile(
    @IdParam('id', 'uuid') id: string,
    @Body() body: ReconcileDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<ExternalActionDto> {
    return toActionDto(await this.actions.reconcile(id, body, principal, ctx));
  }

  /** An operator cancels an action that is PENDING, APPROVED or FAILED. */
  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @UserAuth('operator')
  @ApiOkResponse({ type: ExternalActionDto })
  @conflict('Executing or already final')
  @notFound
  @invalid
  async cancel(
    @IdParam('id', 'uuid') id: string,
    @Body() body: CancelDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<ExternalActionDto> {
    return toActionDto(await this.actions.cancel(id, body, principal, ctx, false));
  }

  /** The proposing machine withdraws its own action while it is PENDING, APPROVED or FAILED. */
  @Post(':id/withdraw')
  @HttpCode(HttpStatus.OK)
  @ApiKey('actions:propose')
  @ApiOkResponse({ type: ExternalActionDto })
  @conflict('Executing or already final')
  @notFound
  @invalid
  async withdraw(
    @IdParam('id', 'uuid') id: string,
    @Body() body: CancelDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() ctx: AuditContext,
  ): Promise<ExternalActionDto> {
    return toActionDto(await this.actions.cancel(id, body, principal, ctx, true));
  }
}
