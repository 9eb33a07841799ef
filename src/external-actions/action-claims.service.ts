import { ConflictException, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { ExpiryKind } from '../approvals/expiry-kinds';
import { ExpiryScheduler } from '../approvals/expiry-scheduler';
import type { AuditContext } from '../audit/audit-context';
import { systemAuditContext } from '../audit/audit-context';
import { OAuthCredentialsService } from '../provider-credentials/oauth-credentials.service';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { ownerFilterFor } from '../access/visibility';
import { canApply } from './action-lifecycle';
import { ActionLifecycleService } from './action-lifecycle.service';
import type { ActionConflictReason, ClaimDenialReason } from './action-reasons';
import { returnedRows } from './action-spend';
import { claimDenial } from './claim-denial';
import type { ClaimSwitches } from './claim-denial';
import type { ClaimActionDto, OutcomeDto } from './dto/external-action.dto';
import { EXTERNAL_ACTIONS_POLICY } from './external-actions-policy';
import type { ExternalActionsPolicy } from './external-actions-policy';
import { ExternalAction } from './external-action.entity';
import { lockAction } from './external-actions.service';
import type { DayUsage } from './kill-switches.service';

/** The expiry kinds this service registers with the one expiry scheduler (approvals/expiry-kinds.ts). */
const APPROVAL_EXPIRY = 'external_action.approval' satisfies ExpiryKind;
const LEASE_EXPIRY = 'external_action.lease' satisfies ExpiryKind;
/** Rows per sweep transaction: the rest waits for the next tick (or another replica). */
const SWEEP_BATCH = 100;

export type ClaimResult =
  | { granted: true; mode: 'live' | 'dry_run'; action: ExternalAction }
  | { granted: false; reason: ClaimDenialReason; detail: string; action: ExternalAction };

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Execution claims, outcomes and the two expiries of an action (approval → EXPIRED, lease →
 * OUTCOME_UNKNOWN). A claim is decided in one transaction holding the action's row lock: every rule is
 * re-checked there (claim-denial.ts), the daily caps are reserved there, and the decision (grant or
 * denial) is audited there.
 */
@Injectable()
export class ActionClaimsService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly lifecycle: ActionLifecycleService,
    private readonly credentials: OAuthCredentialsService,
    private readonly scheduler: ExpiryScheduler,
    private readonly metrics: MetricsService,
    @Inject(EXTERNAL_ACTIONS_POLICY) private readonly policy: ExternalActionsPolicy,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      kind: APPROVAL_EXPIRY,
      expireOverdue: (manager) => this.expireOverdue(manager, 'approval_expired'),
      warnExpiring: (manager, windowMs) => this.lifecycle.warnExpiring(manager, windowMs),
    });
    this.scheduler.register({
      kind: LEASE_EXPIRY,
      expireOverdue: (manager) => this.expireOverdue(manager, 'lease_expired'),
    });
  }

  /** The switches and the policy as configured now (a removed policy entry stops execution). */
  private switches(): ClaimSwitches {
    const { externalActionsEnabled, domainSwitches } = this.config;
    return { externalActionsEnabled, domainSwitches, externalActionsPolicy: this.policy };
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
      // Read on the claim's own connection: a second pool connection per open claim could starve the pool.
      const credential = await this.credentials.statusOf(action.provider, manager, now);
      const denial = claimDenial(action, dto.payload_hash, now, this.switches(), credential);
      if (denial) {
        if (denial.reason === 'approval_expired' && canApply(action.status, 'approval_expired')) {
          await this.expire(manager, action, ctx);
        }
        await this.deny(manager, action, ctx, denial, dto.payload_hash);
        return { granted: false as const, ...denial, action };
      }

      const mode: 'live' | 'dry_run' = this.config.sideEffectsDryRun ? 'dry_run' : 'live';
      let day: DayUsage | undefined;
      if (mode === 'live') {
        const reserved = await this.reserve(manager, action.estimatedSpendCents, now);
        if ('reason' in reserved) {
          await this.deny(manager, action, ctx, reserved, dto.payload_hash, reserved.day);
          return { granted: false as const, reason: reserved.reason, detail: reserved.detail, action };
        }
        day = reserved.day;
        action.reservedSpendCents = action.estimatedSpendCents;
        action.reservedDay = day.day;
        action.executedAt = now;
        action.leaseExpiresAt = new Date(now.getTime() + this.config.actionLeaseSeconds * 1000);
      } else {
        // A dry run ends here: nothing is executed, nothing is reserved or spent.
        action.leaseExpiresAt = null;
      }
      action.executionMode = mode;
      action.attemptId = randomUUID();
      action.attemptCount += 1;
      action.claimedBy = principal.id;
      action.resultStatus = null;
      action.errorCode = null;
      action.errorSummary = null;
      const saved = await this.lifecycle.transition(
        manager,
        action,
        mode === 'live' ? 'claim_live' : 'claim_dry_run',
        ctx,
        {
          result: mode === 'live' ? 'granted' : 'dry_run',
          mode,
          attempt_id: action.attemptId,
          attempt: action.attemptCount,
          lease_expires_at: action.leaseExpiresAt?.toISOString() ?? null,
          presented_payload_hash: dto.payload_hash,
          ...(mode === 'dry_run'
            ? {
                would_execute: {
                  provider: action.provider,
                  operation: action.action,
                  payload_hash: action.payloadHash,
                  external_target: action.externalTarget,
                  estimated_spend_cents: action.estimatedSpendCents,
                },
              }
            : {}),
        },
        day,
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
          reason: 'not_executing' satisfies ActionConflictReason,
        });
      }
      if (!principal.isAdmin && action.claimedBy !== principal.id) {
        throw new ConflictException({
          message: 'Only the claiming executor reports the outcome',
          reason: 'not_claimant' satisfies ActionConflictReason,
        });
      }
      if (action.leaseExpiresAt !== null && action.leaseExpiresAt <= new Date()) {
        // Too late to be believed without a human: the report is kept for the operator who reconciles.
        await this.leaseExpired(manager, action, ctx, { late_report: { ...dto } });
        return true;
      }
      await this.lifecycle.finish(manager, action, dto, 'report', ctx, {
        attempt_id: dto.attempt_id,
        attempt: action.attemptCount,
      });
      return false;
    });
    if (late) {
      throw new ConflictException({
        message: 'The lease ran out before this report: the action is OUTCOME_UNKNOWN and awaits an operator',
        reason: 'lease_expired' satisfies ActionConflictReason,
      });
    }
    return this.dataSource.getRepository(ExternalAction).findOneByOrFail({ id });
  }

  /** Runs both action expiries now (the scheduler also runs them on its interval); answers how many. */
  async sweepExpired(): Promise<number> {
    return (await this.scheduler.expireNow(APPROVAL_EXPIRY)) + (await this.scheduler.expireNow(LEASE_EXPIRY));
  }

  /**
   * One expiry kind: APPROVED/FAILED actions past their approval become EXPIRED; EXECUTING actions past
   * their lease become OUTCOME_UNKNOWN — never re-executed automatically (the side effect may have
   * happened). SKIP LOCKED lets replicas share the work without waiting on each other.
   */
  private async expireOverdue(
    manager: EntityManager,
    event: 'approval_expired' | 'lease_expired',
  ): Promise<number> {
    const query = manager
      .getRepository(ExternalAction)
      .createQueryBuilder('a')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked');
    if (event === 'lease_expired') query.where(`a.status = 'EXECUTING' AND a.lease_expires_at <= now()`);
    else query.where(`a.status IN ('APPROVED', 'FAILED') AND a.approval_expires_at <= now()`);
    const stale = await query.orderBy('a.id').limit(SWEEP_BATCH).getMany();
    const ctx = systemAuditContext('external-actions-sweep');
    for (const action of stale) {
      if (event === 'lease_expired') await this.leaseExpired(manager, action, ctx, {});
      else await this.expire(manager, action, ctx);
    }
    return stale.length;
  }

  private async deny(
    manager: EntityManager,
    action: ExternalAction,
    ctx: AuditContext,
    denial: { reason: ClaimDenialReason; detail: string },
    presentedHash: string,
    day?: DayUsage,
  ): Promise<void> {
    await this.lifecycle.record(
      manager,
      action,
      'action.claim_denied',
      ctx,
      {
        result: 'denied',
        reason: denial.reason,
        detail: denial.detail,
        presented_payload_hash: presentedHash,
      },
      day,
    );
  }

  /** Atomic across replicas: the day's row is only updated when both caps still have room. */
  private async reserve(
    manager: EntityManager,
    cents: number,
    now: Date,
  ): Promise<{ day: DayUsage } | { reason: 'spend_cap' | 'action_cap'; detail: string; day: DayUsage }> {
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

  private async expire(manager: EntityManager, action: ExternalAction, ctx: AuditContext): Promise<void> {
    await this.lifecycle.transition(manager, action, 'approval_expired', ctx, {
      approval_expires_at: action.approvalExpiresAt?.toISOString() ?? null,
    });
  }

  private async leaseExpired(
    manager: EntityManager,
    action: ExternalAction,
    ctx: AuditContext,
    extra: Record<string, unknown>,
  ): Promise<void> {
    await this.lifecycle.transition(manager, action, 'lease_expired', ctx, {
      attempt_id: action.attemptId,
      lease_expired_at: action.leaseExpiresAt?.toISOString() ?? null,
      ...extra,
    });
  }
}
