import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { EventLogService } from '../events/event-log.service';
import { EVENT_TYPES } from '../events/event-types';
import type { EventType } from '../events/event-types';
import { actionAuditEvent } from './action-audit';
import { nextStatus, TRANSITION_AUDIT_TYPE } from './action-lifecycle';
import type { ActionEvent } from './action-lifecycle';
import { settleSpend } from './action-spend';
import { ExternalAction } from './external-action.entity';
import { KillSwitchesService } from './kill-switches.service';
import type { DayUsage } from './kill-switches.service';

/** What ends an execution: the claimant's report or an operator's reconciliation. */
export interface ExecutionResult {
  result_status: 'success' | 'failure';
  external_object_id?: string | null;
  error_code?: string | null;
  error_summary?: string | null;
  actual_spend_cents: number;
}

/**
 * The one writer of an action's status and of its audit events. Every status change goes through
 * `transition`, which checks the lifecycle table (action-lifecycle.ts), saves, and records the event
 * with its safety block on the caller's transaction; events that change no status go through `record`.
 */
@Injectable()
export class ActionLifecycleService {
  constructor(
    private readonly audit: AuditService,
    private readonly switches: KillSwitchesService,
    private readonly events: EventLogService,
  ) {}

  /** Applies `event` (or throws ForbiddenTransitionError), saves the row and audits the change. */
  async transition(
    manager: EntityManager,
    action: ExternalAction,
    event: ActionEvent,
    ctx: AuditContext,
    extra: Record<string, unknown> = {},
    day?: DayUsage,
  ): Promise<ExternalAction> {
    action.status = nextStatus(action.status, event);
    const saved = await manager.getRepository(ExternalAction).save(action);
    await this.record(manager, saved, TRANSITION_AUDIT_TYPE[event], ctx, extra, day);
    return saved;
  }

  /** An audit event about the action as it stands (proposed, approval recorded, claim denied). */
  async record(
    manager: EntityManager,
    action: ExternalAction,
    type: string,
    ctx: AuditContext,
    extra: Record<string, unknown> = {},
    day?: DayUsage,
  ): Promise<void> {
    await this.audit.record(
      manager,
      actionAuditEvent(ctx, type, action, this.switches.safety(action, day), extra),
    );
    // Every action audit type is also an event type of the same name (action.proposed … action.expired).
    if (!Object.hasOwn(EVENT_TYPES, type)) throw new Error(`action audit type "${type}" has no event type`);
    const reason = typeof extra.reason === 'string' ? extra.reason : undefined;
    await this.appendEvent(manager, action, type as EventType, actionSummary(type, action, reason), {
      ...(reason ? { reason } : {}),
      ...(type === 'action.claimed' ? { dry_run: extra.result === 'dry_run' } : {}),
      ...(action.resultStatus ? { result_status: action.resultStatus } : {}),
    });
  }

  /**
   * The `action.expiring` warning of every approved action whose approval expires within `windowMs`
   * and that was not warned about yet (the expiry scheduler's interval calls this).
   */
  async warnExpiring(manager: EntityManager, windowMs: number): Promise<number> {
    const due = await manager
      .getRepository(ExternalAction)
      .createQueryBuilder('a')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where(`a.status = 'APPROVED' AND a.approval_expires_at > now()`)
      .andWhere(`a.approval_expires_at <= now() + :window * interval '1 millisecond'`, { window: windowMs })
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM events e WHERE e.subject_type = 'action' AND e.subject_id = a.id::text AND e.type = 'action.expiring')`,
      )
      .orderBy('a.id')
      .limit(500)
      .getMany();
    for (const action of due) {
      const expiresAt = action.approvalExpiresAt!.toISOString();
      await this.appendEvent(
        manager,
        action,
        'action.expiring',
        `${actionName(action)}: its approval expires at ${expiresAt} unless it is claimed`,
        { expires_at: expiresAt },
      );
    }
    return due.length;
  }

  private appendEvent(
    manager: EntityManager,
    action: ExternalAction,
    type: EventType,
    summary: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    return this.events.append(manager, {
      type,
      subject: { type: 'action', id: action.id },
      runId: action.runId,
      owner: action.proposedBy,
      summary,
      data: {
        status: action.status,
        tier: action.tier,
        action_type: `${action.provider}.${action.action}`,
        phase_id: action.phaseId,
        ...data,
      },
    });
  }

  /**
   * The end of an execution, as the claimant reports it (`report`) or an operator reconciles it
   * (`reconcile`): the reservation becomes the actual spend, the result is stored, and the action is
   * COMPLETED or FAILED.
   */
  async finish(
    manager: EntityManager,
    action: ExternalAction,
    result: ExecutionResult,
    by: 'report' | 'reconcile',
    ctx: AuditContext,
    extra: Record<string, unknown>,
  ): Promise<ExternalAction> {
    const day = await settleSpend(manager, action, result.actual_spend_cents);
    action.resultStatus = result.result_status;
    action.externalObjectId = result.external_object_id ?? null;
    action.errorCode = result.error_code ?? null;
    action.errorSummary = result.error_summary ?? null;
    action.completedAt = new Date();
    action.leaseExpiresAt = null;
    const event = `${by}_${result.result_status}` as const;
    return this.transition(manager, action, event, ctx, extra, day);
  }
}

const actionName = (action: ExternalAction) =>
  `Action ${action.provider}.${action.action} (${action.summary})`;

/** One line for a chat message: what happened to which action. */
function actionSummary(type: string, action: ExternalAction, reason?: string): string {
  const what = type.slice('action.'.length).replace(/_/g, ' ');
  return `${actionName(action)}: ${what}${reason ? ` (${reason})` : ''} — now ${action.status}`;
}
