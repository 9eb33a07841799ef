import {
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys/api-keys.service';
import type { Principal } from '../auth/principal';
import { auditContextFor } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { RunQueriesService } from '../runs/run-queries.service';
import type { ApprovalDecisionDto, ApprovalRequestDto, ApprovalResponseDto } from './dto/approval.dto';
import { ApprovalRequest } from './entities/approval-request.entity';
import { assertMayDecide, requesterFilterFor } from './human-decision';
import { expireOverdue } from './request-expiry';

const SWEEP_INTERVAL_MS = 60_000;
export const AUTO_APPROVER = 'policy:AUTO_APPROVE_BUILD113';

/**
 * The legacy executor approval flow, default-deny: a request is pending until a human decides it, and
 * times out (never approves) when nobody does. Auto-approval exists only for the legacy
 * AUTO_APPROVE_BUILD113 flag outside production.
 */
@Injectable()
export class ApprovalRequestsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ApprovalRequestsService.name);
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly runs: RunQueriesService,
    private readonly keys: ApiKeysService,
  ) {}

  onModuleInit(): void {
    if (this.config.autoApproveBuild113Ignored) {
      this.logger.warn(
        'AUTO_APPROVE_BUILD113 is set but ignored in production: approval requests stay pending',
      );
    }
    this.sweep = setInterval(() => void this.expire().catch(() => undefined), SWEEP_INTERVAL_MS);
    this.sweep.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }

  /** Marks overdue requests `timeout` (with audit events); runs periodically and before reads. */
  expire(): Promise<number> {
    return this.dataSource.transaction((manager) => expireOverdue(manager, 'approval_requests', this.audit));
  }

  async request(dto: ApprovalRequestDto, principal: Principal): Promise<ApprovalResponseDto> {
    await this.runs.findVisibleRun(dto.run_id, principal);
    const auto = this.config.autoApproveBuild113;
    return this.dataSource.transaction(async (manager) => {
      const now = new Date();
      const saved = await manager.save(
        manager.create(ApprovalRequest, {
          runId: dto.run_id,
          phaseId: dto.phase_id,
          context: dto.context ?? 'unknown',
          decisionInfo: dto.decision_info ?? {},
          deletionInfo: dto.deletion_info ?? null,
          status: auto ? 'approved' : 'pending',
          requestedBy: principal.id,
          expiresAt: new Date(now.getTime() + this.config.approvalTimeoutMinutes * 60_000),
          decidedBy: auto ? AUTO_APPROVER : null,
          decidedByName: auto ? 'AUTO_APPROVE_BUILD113' : null,
          decidedAt: auto ? now : null,
          decisionComment: auto
            ? 'auto-approved by the legacy AUTO_APPROVE_BUILD113 flag (not in production)'
            : null,
        }),
      );
      const context = auditContextFor(principal);
      const common = {
        subject: { type: 'approval' as const, id: saved.id },
        runId: saved.runId,
        phaseId: saved.phaseId,
      };
      await this.audit.record(manager, {
        ...context,
        ...common,
        type: 'approval.requested',
        details: {
          context: saved.context,
          decision_info: saved.decisionInfo,
          expires_at: saved.expiresAt.toISOString(),
        },
      });
      if (auto) {
        await this.audit.record(manager, {
          ...context,
          ...common,
          type: 'approval.auto_approved',
          details: { rule: AUTO_APPROVER },
        });
      }
      return toApprovalDto(saved);
    });
  }

  async status(id: string, principal: Principal): Promise<ApprovalResponseDto> {
    await this.expire();
    return toApprovalDto(await this.findVisible(id, principal));
  }

  async pending(principal: Principal): Promise<ApprovalResponseDto[]> {
    await this.expire();
    const requester = requesterFilterFor(principal);
    const rows = await this.dataSource.getRepository(ApprovalRequest).find({
      where: { status: 'pending', ...(requester ? { requestedBy: requester } : {}) },
      order: { requestedAt: 'ASC', id: 'ASC' },
      take: 500,
    });
    return rows.map(toApprovalDto);
  }

  async decide(id: string, dto: ApprovalDecisionDto, decider: Principal): Promise<ApprovalResponseDto> {
    await this.expire();
    return this.dataSource.transaction(async (manager) => {
      const request = await manager.findOne(ApprovalRequest, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!request) throw new NotFoundException(`Approval request "${id}" not found`);
      await assertMayDecide(request.requestedBy, decider, this.keys);
      if (request.status !== 'pending' || request.expiresAt.getTime() <= Date.now()) {
        throw new ConflictException(
          `Approval request is ${request.status === 'pending' ? 'timeout' : request.status}, not pending`,
        );
      }
      request.status = dto.decision === 'approve' ? 'approved' : 'rejected';
      request.decidedBy = decider.id;
      request.decidedByName = decider.name;
      request.decidedAt = new Date();
      request.decisionComment = dto.comment;
      await manager.save(request);
      await this.audit.record(manager, {
        ...auditContextFor(decider),
        type: `approval.${request.status}`,
        subject: { type: 'approval', id: request.id },
        runId: request.runId,
        phaseId: request.phaseId,
        details: { requested_by: request.requestedBy, comment: dto.comment },
      });
      return toApprovalDto(request);
    });
  }

  private async findVisible(id: string, principal: Principal): Promise<ApprovalRequest> {
    const requester = requesterFilterFor(principal);
    const found = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.dataSource
          .getRepository(ApprovalRequest)
          .findOneBy({ id, ...(requester ? { requestedBy: requester } : {}) })
      : null;
    if (!found) throw new NotFoundException(`Approval request "${id}" not found`);
    return found;
  }
}

function toApprovalDto(row: ApprovalRequest): ApprovalResponseDto {
  return {
    approval_id: row.id,
    status: row.status,
    run_id: row.runId,
    phase_id: row.phaseId,
    context: row.context,
    decision_info: row.decisionInfo,
    deletion_info: row.deletionInfo,
    requested_by: row.requestedBy,
    requested_at: row.requestedAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
    decided_by: row.decidedBy,
    decided_by_name: row.decidedByName,
    decided_at: row.decidedAt?.toISOString() ?? null,
    comment: row.decisionComment,
  };
}
