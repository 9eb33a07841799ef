import { ConflictException, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditContext } from '../audit/audit-context';
import { systemAuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { credentialStatus } from '../provider-credentials/credential-health';
import { OAuthCredential } from '../provider-credentials/oauth-credential.entity';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { ownerFilterFor } from '../access/visibility';
import { actionAuditEvent } from './action-audit';
import type { ClaimActionDto, OutcomeDto } from './dto/external-action.dto';
import { classifyAction, EXTERNAL_ACTIONS_POLICY } from './external-actions-policy';
import type { ExternalActionsPolicy } from './external-actions-policy';
import { ExternalAction } from './external-action.entity';
import {
  ExternalActionsService,
  lockAction,
  payloadHashOf,
  returnedRows,
  settleSpend,
} from './external-actions.service';

/** Why a claim was refused: machine-readable, stable, documented in docs/EXTERNAL_ACTIONS.md. */
export const CLAIM_DENIAL_REASONS = [
  'not_approved',
  'already_claimed',
  'already_executed',
  'outcome_unknown',
  'retries_exhausted',
  'hash_mismatch',
  'approval_expired',
  'kill_switch_off',
  'unclassified',
  'domain_switch_off',
  'credential_unhealthy',
  'spend_cap',
  'action_cap',
] as const;
export type ClaimDenialReason = (typeof CLAIM_DENIAL_REASONS)[number];

/** Credential states that let a provider be called; anything else (incl. `not_configured`) is unhealthy. */
const HEALTHY_CREDENTIAL = ['valid', 'expiring'];
/** How often stale leases and approvals are looked for, per process. */
const SWEEP_INTERVAL_MS = 30_000;

export type ClaimResult =
  | { granted: true; mode: 'live' | 'dry_run'; action: ExternalAction }
  | { granted: false; reason: ClaimDenialReason; detail: string; action: ExternalAction };

type Day = { day: string; spent: number; actions: number };

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Execution claims, outcomes and the expiry sweep. A claim is decided in one transaction holding the
 * action's row lock: every rule is re-checked there, the daily caps are reserved there, and the decision
 * (grant or denial) is audited there.
 */
@Injectable()
export class ActionClaimsService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private readonly logger = new Logger(ActionClaimsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly actions: ExternalActionsService,
    private readonly metrics: MetricsService,
    @Inject(EXTERNAL_ACTIONS_POLICY) private readonly policy: ExternalActionsPolicy,
  ) {}

  onModuleInit(): void {
    // A failed sweep is retried on the next tick, but never silently: stale leases stay EXECUTING meanwhile.
    const sweep = () =>
      this.sweepExpired().catch((error: unknown) =>
        this.logger.error(
          `external actions sweep failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    this.sweeper = setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  async claim(
    id: string,
    dto: ClaimActionDto,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<ClaimResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      const action = await lockAction(manager, id, ownerFilterFor(principal));
      const now = new Date();
      const denial = await this.denialFor(manager, action, dto, now, ctx);
      if (denial) {
        await this.audit.record(
          manager,
          actionAuditEvent(ctx, 'action.claim_denied', action, this.actions.safety(action), {
            result: 'denied',
            reason: denial.reason,
            detail: denial.detail,
            presented_payload_hash: dto.payload_hash,
          }),
        );
        return { granted: false as const, ...denial, action };
      }

      const mode: 'live' | 'dry_run' = this.config.sideEffectsDryRun ? 'dry_run' : 'live';
      let day: Day | undefined;
      if (mode === 'live') {
        const reserved = await this.reserve(manager, action.estimatedSpendCents, now);
        if ('reason' in reserved) {
          await this.audit.record(
            manager,
            actionAuditEvent(ctx, 'action.claim_denied', action, this.actions.safety(action, reserved.day), {
              result: 'denied',
              reason: reserved.reason,
              detail: reserved.detail,
              presented_payload_hash: dto.payload_hash,
            }),
          );
          return { granted: false as const, reason: reserved.reason, detail: reserved.detail, action };
        }
        day = reserved.day;
        action.status = 'EXECUTING';
        action.reservedSpendCents = action.estimatedSpendCents;
        action.reservedDay = day.day;
        action.executedAt = now;
        action.leaseExpiresAt = new Date(now.getTime() + this.config.actionLeaseSeconds * 1000);
      } else {
        // A dry run ends here: nothing is executed, nothing is reserved or spent.
        action.status = 'DRY_RUN';
        action.leaseExpiresAt = null;
      }
      action.executionMode = mode;
      action.attemptId = randomUUID();
      action.attemptCount += 1;
      action.claimedBy = principal.id;
      action.resultStatus = null;
      action.errorCode = null;
      action.errorSummary = null;
      const saved = await manager.getRepository(ExternalAction).save(action);
      await this.audit.record(
        manager,
        actionAuditEvent(ctx, 'action.claimed', saved, this.actions.safety(saved, day), {
          result: mode === 'live' ? 'granted' : 'dry_run',
          mode,
          attempt_id: saved.attemptId,
          attempt: saved.attemptCount,
          lease_expires_at: saved.leaseExpiresAt?.toISOString() ?? null,
          presented_payload_hash: dto.payload_hash,
          ...(mode === 'dry_run'
            ? {
                would_execute: {
                  provider: saved.provider,
                  operation: saved.action,
                  payload_hash: saved.payloadHash,
                  external_target: saved.externalTarget,
                  estimated_spend_cents: saved.estimatedSpendCents,
                },
              }
            : {}),
        }),
      );
      return { granted: true as const, mode, action: saved };
    });
    this.metrics.actionClaims.inc({
      result: result.granted ? (result.mode === 'live' ? 'granted' : 'dry_run') : result.reason,
    });
    return result;
  }

  /** The executor's report of what happened; only the claiming principal, for the current attempt. */
  async outcome(
    id: string,
    dto: OutcomeDto,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<ExternalAction> {
    const late = await this.dataSource.transaction(async (manager) => {
      const action = await lockAction(manager, id, ownerFilterFor(principal));
      if (action.status !== 'EXECUTING' || action.attemptId !== dto.attempt_id) {
        throw new ConflictException({
          message: `No execution with attempt ${dto.attempt_id} is running for this action (status ${action.status})`,
          reason: 'not_executing',
        });
      }
      if (!principal.isAdmin && action.claimedBy !== principal.id) {
        throw new ConflictException({
          message: 'Only the claiming executor reports the outcome',
          reason: 'not_claimant',
        });
      }
      const now = new Date();
      if (action.leaseExpiresAt !== null && action.leaseExpiresAt <= now) {
        // Too late to be believed without a human: the report is kept for the operator who reconciles.
        await this.markOutcomeUnknown(manager, action, ctx, { late_report: { ...dto } });
        return true;
      }
      const day = await settleSpend(manager, action, dto.actual_spend_cents);
      action.status = dto.result_status === 'success' ? 'COMPLETED' : 'FAILED';
      action.resultStatus = dto.result_status;
      action.externalObjectId = dto.external_object_id ?? null;
      action.errorCode = dto.error_code ?? null;
      action.errorSummary = dto.error_summary ?? null;
      action.completedAt = now;
      action.leaseExpiresAt = null;
      const saved = await manager.getRepository(ExternalAction).save(action);
      await this.audit.record(
        manager,
        actionAuditEvent(
          ctx,
          saved.status === 'COMPLETED' ? 'action.completed' : 'action.failed',
          saved,
          this.actions.safety(saved, day),
          { attempt_id: dto.attempt_id, attempt: saved.attemptCount },
        ),
      );
      return false;
    });
    if (late) {
      throw new ConflictException({
        message: 'The lease ran out before this report: the action is OUTCOME_UNKNOWN and awaits an operator',
        reason: 'lease_expired',
      });
    }
    return this.dataSource.getRepository(ExternalAction).findOneByOrFail({ id });
  }

  /**
   * Marks expired leases OUTCOME_UNKNOWN and expired approvals EXPIRED (each audited). Runs every 30 s in
   * every process; SKIP LOCKED lets replicas share the work without waiting on each other.
   */
  async sweepExpired(limit = 100): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const stale = await manager
        .getRepository(ExternalAction)
        .createQueryBuilder('a')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where(`(a.status = 'EXECUTING' AND a.lease_expires_at <= now())`)
        .orWhere(`(a.status = 'APPROVED' AND a.approval_expires_at <= now())`)
        .orWhere(`(a.status = 'FAILED' AND a.approval_expires_at <= now())`)
        .orderBy('a.id')
        .limit(limit)
        .getMany();
      const ctx = systemAuditContext('external-actions-sweep');
      for (const action of stale) {
        if (action.status === 'EXECUTING') await this.markOutcomeUnknown(manager, action, ctx, {});
        else await this.markExpired(manager, action, ctx);
      }
      return stale.length;
    });
  }

  private async denialFor(
    manager: EntityManager,
    action: ExternalAction,
    dto: ClaimActionDto,
    now: Date,
    ctx: AuditContext,
  ): Promise<{ reason: ClaimDenialReason; detail: string } | null> {
    const deny = (reason: ClaimDenialReason, detail: string) => ({ reason, detail });
    switch (action.status) {
      case 'APPROVED':
        break;
      case 'FAILED':
        if (action.attemptCount > action.maxRetries) {
          return deny(
            'retries_exhausted',
            `all ${action.maxRetries + 1} attempts allowed by the policy are used`,
          );
        }
        break;
      case 'EXPIRED':
        return deny('approval_expired', 'the approval has expired; propose the action again');
      case 'EXECUTING':
        return deny('already_claimed', 'another claim is executing this action');
      case 'COMPLETED':
      case 'DRY_RUN':
        return deny('already_executed', `the action is already ${action.status}`);
      case 'OUTCOME_UNKNOWN':
        return deny(
          'outcome_unknown',
          'the last attempt has no known outcome; an operator must reconcile it',
        );
      default:
        return deny('not_approved', `the action is ${action.status}; only APPROVED actions execute`);
    }
    // Bound three ways: what the executor will run, what was approved, and what is stored now.
    if (
      action.approvedPayloadHash === null ||
      dto.payload_hash !== action.approvedPayloadHash ||
      payloadHashOf(action.payload) !== action.approvedPayloadHash
    ) {
      return deny('hash_mismatch', 'the payload is not the payload that was approved');
    }
    if (action.approvalExpiresAt === null || action.approvalExpiresAt <= now) {
      await this.markExpired(manager, action, ctx);
      return deny('approval_expired', 'the approval has expired; propose the action again');
    }
    if (!this.config.externalActionsEnabled) {
      return deny('kill_switch_off', 'AUTOPACK_EXTERNAL_ACTIONS_ENABLED is off');
    }
    // The policy as configured now, not as it was at proposal time: a removed entry stops execution.
    const rule = classifyAction(this.policy, action.provider, action.action);
    if (rule.killSwitch === null) {
      return deny(
        'unclassified',
        `${action.provider}.${action.action} is not in the policy: it never executes`,
      );
    }
    if (!this.config.domainSwitches[rule.killSwitch]) {
      return deny('domain_switch_off', `${rule.killSwitch} is off`);
    }
    const credential = await this.credentialStatus(manager, action.provider, now);
    if (!HEALTHY_CREDENTIAL.includes(credential)) {
      return deny('credential_unhealthy', `the ${action.provider} credential is ${credential}`);
    }
    return null;
  }

  /**
   * The provider credential's health (as `GET /api/auth/oauth/health/{provider}` reports it), read on the
   * claim's own connection: a second pool connection per open claim transaction could starve the pool.
   * `valid`/`expiring` are healthy; no stored credential (or a provider outside the store) is not.
   */
  private async credentialStatus(manager: EntityManager, provider: string, now: Date): Promise<string> {
    if (!this.config.oauthProviders.includes(provider)) return 'not_configured';
    return credentialStatus(await manager.getRepository(OAuthCredential).findOneBy({ provider }), now);
  }

  /** Atomic across replicas: the day's row is only updated when both caps still have room. */
  private async reserve(
    manager: EntityManager,
    cents: number,
    now: Date,
  ): Promise<{ day: Day } | { reason: 'spend_cap' | 'action_cap'; detail: string; day: Day }> {
    const day = utcDay(now);
    await manager.query(
      'INSERT INTO external_action_daily_usage (day, spent_cents, actions) VALUES ($1, 0, 0) ON CONFLICT (day) DO NOTHING',
      [day],
    );
    const updated = returnedRows<{ spent_cents: string; actions: number }>(
      await manager.query(
        `UPDATE external_action_daily_usage SET spent_cents = spent_cents + $2, actions = actions + 1
         WHERE day = $1 AND actions + 1 <= $3 AND spent_cents + $2 <= $4
         RETURNING spent_cents, actions`,
        [day, cents, this.config.maxActionsPerDay, this.config.maxDailySpendCents],
      ),
    );
    if (updated.length === 1) {
      return { day: { day, spent: Number(updated[0].spent_cents), actions: updated[0].actions } };
    }
    const [current] = (await manager.query(
      'SELECT spent_cents, actions FROM external_action_daily_usage WHERE day = $1',
      [day],
    )) as Array<{ spent_cents: string; actions: number }>;
    const snapshot = { day, spent: Number(current.spent_cents), actions: current.actions };
    if (current.actions + 1 > this.config.maxActionsPerDay) {
      return {
        reason: 'action_cap',
        detail: `AUTOPACK_MAX_ACTIONS_PER_DAY (${this.config.maxActionsPerDay}) is reached for ${day} (UTC)`,
        day: snapshot,
      };
    }
    return {
      reason: 'spend_cap',
      detail: `${cents} cents would exceed AUTOPACK_MAX_DAILY_SPEND_USD for ${day} (UTC): ${snapshot.spent} of ${this.config.maxDailySpendCents} cents reserved`,
      day: snapshot,
    };
  }

  private async markExpired(
    manager: EntityManager,
    action: ExternalAction,
    ctx: AuditContext,
  ): Promise<void> {
    action.status = 'EXPIRED';
    const saved = await manager.getRepository(ExternalAction).save(action);
    await this.audit.record(
      manager,
      actionAuditEvent(ctx, 'action.expired', saved, this.actions.safety(saved), {
        approval_expires_at: saved.approvalExpiresAt?.toISOString() ?? null,
      }),
    );
  }

  private async markOutcomeUnknown(
    manager: EntityManager,
    action: ExternalAction,
    ctx: AuditContext,
    extra: Record<string, unknown>,
  ): Promise<void> {
    action.status = 'OUTCOME_UNKNOWN';
    const saved = await manager.getRepository(ExternalAction).save(action);
    await this.audit.record(
      manager,
      actionAuditEvent(ctx, 'action.outcome_unknown', saved, this.actions.safety(saved), {
        attempt_id: saved.attemptId,
        lease_expired_at: saved.leaseExpiresAt?.toISOString() ?? null,
        ...extra,
      }),
    );
  }
}
