import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
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
