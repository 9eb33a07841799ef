import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit-context';
import type { Principal } from '../auth/principal';
import { EventLogService } from '../events/event-log.service';
import { ExternalActionsService } from '../external-actions/external-actions.service';
import { ApprovalRequestsService } from '../governance/approval-requests.service';
import { GovernanceRequestsService } from '../governance/governance-requests.service';
import { RunOperatorWritesService } from '../runs/run-operator-writes.service';
import { RunQueriesService } from '../runs/run-queries.service';
import type { RunResponseDto } from '../runs/dto/run-response.dto';
import type { RunCancelledDto } from './dto/run-control.dto';

/**
 * An operator's control of a run: cancel it, retry a failed phase, change its budget. Each is one
 * transaction across the modules that own the rows (runs, governance, external actions), with its audit
 * event and its event, so a cancelled run never leaves a request pending or an action claimable.
 */
@Injectable()
export class RunControlService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: RunOperatorWritesService,
    private readonly queries: RunQueriesService,
    private readonly approvals: ApprovalRequestsService,
    private readonly governance: GovernanceRequestsService,
    private readonly actions: ExternalActionsService,
    private readonly audit: AuditService,
    private readonly events: EventLogService,
  ) {}

  async cancel(
    runId: string,
    reason: string,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<RunCancelledDto> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const run = await this.runs.lock(manager, runId, principal);
      const from = run.state;
      await this.runs.cancel(manager, run, principal, reason);
      const withdrawnApprovals = await this.approvals.withdrawPendingOfRun(
        manager,
        run.id,
        principal,
        reason,
      );
      const withdrawnRequests = await this.governance.withdrawPendingOfRun(
        manager,
        run.id,
        principal,
        reason,
      );
      const actions = await this.actions.cancelOfRun(manager, run.id, principal, ctx, reason);
      const details = {
        from,
        reason,
        withdrawn_approval_requests: withdrawnApprovals,
        withdrawn_governance_requests: withdrawnRequests,
        cancelled_actions: actions.cancelled,
        executing_actions: actions.executing,
      };
      await this.record(manager, ctx, 'run.cancelled', run.id, null, details);
      await this.events.append(manager, {
        type: 'run.cancelled',
        subject: { type: 'run', id: run.id },
        runId: run.id,
        owner: run.ownerPrincipalId,
        summary:
          `Run ${run.id} was cancelled by ${principal.name}` +
          (actions.executing.length ? ` (${actions.executing.length} action(s) still executing)` : ''),
        data: { ...details, cancelled_by: principal.id },
      });
      return {
        withdrawn_approval_requests: withdrawnApprovals,
        withdrawn_governance_requests: withdrawnRequests,
        cancelled_actions: actions.cancelled,
        executing_actions: actions.executing,
      };
    });
    return { run: await this.queries.get(runId, principal), ...outcome };
  }

  async retryPhase(
    runId: string,
    phaseId: string,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<RunResponseDto> {
    await this.dataSource.transaction(async (manager) => {
      const run = await this.runs.lock(manager, runId, principal);
      const from = run.state;
      const { run: reopened, phase } = await this.runs.retryPhase(manager, run, phaseId);
      await this.record(manager, ctx, 'phase.retried', run.id, phase.phaseId, {
        attempt: phase.attempt,
        run_state_from: from,
        run_state_to: reopened.state,
      });
    });
    return this.queries.get(runId, principal);
  }

  async setTokenCap(
    runId: string,
    tokenCap: number,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<RunResponseDto> {
    await this.dataSource.transaction(async (manager) => {
      const run = await this.runs.lock(manager, runId, principal);
      const state = run.state;
      const { run: changed, from } = await this.runs.setTokenCap(manager, run, tokenCap);
      const details = {
        from,
        to: tokenCap,
        tokens_used: changed.tokensUsed,
        run_state_from: state,
        run_state_to: changed.state,
      };
      await this.record(manager, ctx, 'run.token_cap_changed', run.id, null, details);
      await this.events.append(manager, {
        type: 'run.token_cap_changed',
        subject: { type: 'run', id: run.id },
        runId: run.id,
        owner: run.ownerPrincipalId,
        summary: `Run ${run.id} token cap changed from ${from} to ${tokenCap} by ${principal.name}`,
        data: details,
      });
    });
    return this.queries.get(runId, principal);
  }

  private async record(
    manager: EntityManager,
    ctx: AuditContext,
    type: string,
    runId: string,
    phaseId: string | null,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.record(manager, {
      ...ctx,
      type,
      subject: phaseId === null ? { type: 'run', id: runId } : { type: 'phase', id: `${runId}/${phaseId}` },
      runId,
      ...(phaseId === null ? {} : { phaseId }),
      details,
    });
  }
}
