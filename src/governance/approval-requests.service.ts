import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExpiryScheduler } from '../approvals/expiry-scheduler';
import { HumansBehindService } from '../approvals/humans-behind.service';
import type { Principal } from '../auth/principal';
import { AuditService } from '../audit/audit.service';
import { EventLogService } from '../events/event-log.service';
import { EventStreamsService } from '../events/event-streams.service';
import { AppConfig } from '../config/app-config';
import { RunQueriesService } from '../runs/run-queries.service';
import type {
  ApprovalDecisionDto,
  ApprovalListDto,
  ApprovalRequestDto,
  ApprovalResponseDto,
} from './dto/approval.dto';
import type { PendingPageQueryDto } from '../http/page-query.dto';
import { ApprovalRequest } from './entities/approval-request.entity';
import { decisionFields, HumanDecidedRequests } from './human-decided-requests';

export const AUTO_APPROVER = 'policy:AUTO_APPROVE_BUILD113';

/**
 * The legacy executor approval flow, default-deny: a request is pending until a human decides it, and
 * times out (never approves) when nobody does. Auto-approval exists only for the legacy
 * AUTO_APPROVE_BUILD113 flag outside production.
 */
@Injectable()
export class ApprovalRequestsService
  extends HumanDecidedRequests<ApprovalRequest, ApprovalResponseDto>
  implements OnModuleInit
{
  private readonly logger = new Logger(ApprovalRequestsService.name);
  protected readonly toDto = toApprovalDto;

  constructor(
    dataSource: DataSource,
    audit: AuditService,
    scheduler: ExpiryScheduler,
    humans: HumansBehindService,
    private readonly config: AppConfig,
    private readonly runs: RunQueriesService,
    events: EventLogService,
    private readonly streams: EventStreamsService,
  ) {
    super(
      dataSource,
      audit,
      scheduler,
      humans,
      ApprovalRequest,
      'approval_requests',
      'approval',
      'Approval request',
      events,
    );
  }

  override onModuleInit(): void {
    if (this.config.autoApproveBuild113Ignored) {
      this.logger.warn(
        'AUTO_APPROVE_BUILD113 is set but ignored in production: approval requests stay pending',
      );
    }
    super.onModuleInit();
  }

  async request(dto: ApprovalRequestDto, principal: Principal): Promise<ApprovalResponseDto> {
    await this.runs.findVisibleRun(dto.run_id, principal);
    await this.runs.assertNotCancelled(dto.run_id);
    const saved = await this.createRow(
      principal,
      {
        runId: dto.run_id,
        phaseId: dto.phase_id,
        context: dto.context ?? 'unknown',
        decisionInfo: dto.decision_info ?? {},
        deletionInfo: dto.deletion_info ?? null,
      },
      this.config.approvalTimeoutMinutes * 60_000,
      (row) => ({
        context: row.context,
        decision_info: row.decisionInfo,
        expires_at: row.expiresAt.toISOString(),
      }),
      toApprovalDto,
      this.config.autoApproveBuild113
        ? {
            by: AUTO_APPROVER,
            name: 'AUTO_APPROVE_BUILD113',
            comment: 'auto-approved by the legacy AUTO_APPROVE_BUILD113 flag (not in production)',
            details: { rule: AUTO_APPROVER },
          }
        : undefined,
    );
    return toApprovalDto(saved);
  }

  /**
   * A request's status. With `waitSeconds`, a pending request is watched until it changes (decided, or
   * timed out at its expiry) or the wait ends: woken by the event log's notifications (any replica's
   * decision), re-read from the table each time — never a sleep loop.
   */
  async status(id: string, principal: Principal, waitSeconds = 0): Promise<ApprovalResponseDto> {
    if (waitSeconds <= 0) return toApprovalDto(await this.visibleRow(id, principal));
    const deadline = Date.now() + waitSeconds * 1000;
    // Watch first, then read: a decision committed in between still wakes us.
    const watch = this.streams.watch();
    try {
      let row = await this.visibleRow(id, principal);
      while (row.status === 'pending') {
        const untilExpiry = row.expiresAt.getTime() - Date.now() + 50;
        const remaining = Math.min(deadline - Date.now(), Math.max(untilExpiry, 0));
        if (deadline - Date.now() <= 0) break;
        await watch.next(Math.max(remaining, 0));
        row = await this.visibleRow(id, principal);
        // Shutting down: answer what the request is now, so the server can close (no busy loop).
        if (this.streams.isStopping) break;
      }
      return toApprovalDto(row);
    } finally {
      watch.close();
    }
  }

  async pending(principal: Principal, page: PendingPageQueryDto): Promise<ApprovalListDto> {
    const { items, ...paging } = await this.pendingPage(principal, page);
    return { approvals: items.map(toApprovalDto), ...paging };
  }

  async decide(id: string, dto: ApprovalDecisionDto, decider: Principal): Promise<ApprovalResponseDto> {
    return toApprovalDto(
      await this.decideRow(id, decider, { approved: dto.decision === 'approve', comment: dto.comment }),
    );
  }
}

function toApprovalDto(row: ApprovalRequest): ApprovalResponseDto {
  return {
    approval_id: row.id,
    ...decisionFields(row),
    context: row.context,
    decision_info: row.decisionInfo,
    deletion_info: row.deletionInfo,
  };
}
