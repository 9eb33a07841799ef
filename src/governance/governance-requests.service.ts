import {
  ConflictException,
  Injectable,
  NotFoundException,
  OnModuleDestroy,
  OnModuleInit,
  UnprocessableEntityException,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys/api-keys.service';
import type { Principal } from '../auth/principal';
import { auditContextFor } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { RunQueriesService } from '../runs/run-queries.service';
import type {
  GovernanceDecisionDto,
  GovernanceRequestDto,
  GovernanceResponseDto,
} from './dto/governance.dto';
import { GovernanceRequest } from './entities/governance-request.entity';
import { assertMayDecide, requesterFilterFor } from './human-decision';
import { InvalidPathError, PathPolicyEngine, PathVerdict } from './path-policy';
import { expireOverdue } from './request-expiry';

const SWEEP_INTERVAL_MS = 60_000;
export const POLICY_APPROVER = 'policy:governance-policy';

/**
 * Path-based change requests. Each path is decided by the policy (never-patterns win, then auto-approve
 * patterns, else default deny); the request is approved by policy only when every path is, otherwise a
 * human decides it before it times out.
 */
@Injectable()
export class GovernanceRequestsService implements OnModuleInit, OnModuleDestroy {
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly runs: RunQueriesService,
    private readonly keys: ApiKeysService,
    private readonly policy: PathPolicyEngine,
  ) {}

  onModuleInit(): void {
    this.sweep = setInterval(() => void this.expire().catch(() => undefined), SWEEP_INTERVAL_MS);
    this.sweep.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }

  expire(): Promise<number> {
    return this.dataSource.transaction((manager) =>
      expireOverdue(manager, 'governance_requests', this.audit),
    );
  }

  async request(dto: GovernanceRequestDto, principal: Principal): Promise<GovernanceResponseDto> {
    const verdicts = this.decidePaths(dto.paths);
    await this.runs.findVisibleRun(dto.run_id, principal);
    const automatic = verdicts.every((verdict) => verdict.decision === 'auto_approve');
    return this.dataSource.transaction(async (manager) => {
      const now = new Date();
      const saved = await manager.save(
        manager.create(GovernanceRequest, {
          runId: dto.run_id,
          phaseId: dto.phase_id,
          reason: dto.reason,
          verdicts,
          status: automatic ? 'approved' : 'pending',
          requestedBy: principal.id,
          expiresAt: new Date(now.getTime() + this.config.approvalTimeoutMinutes * 60_000),
          decidedBy: automatic ? POLICY_APPROVER : null,
          decidedByName: automatic ? 'governance policy' : null,
          decidedAt: automatic ? now : null,
          decisionComment: automatic
            ? 'every path matches an auto_approve rule and no never_auto_approve rule'
            : null,
        }),
      );
      const context = auditContextFor(principal);
      const common = {
        subject: { type: 'governance_request' as const, id: saved.id },
        runId: saved.runId,
        phaseId: saved.phaseId,
      };
      await this.audit.record(manager, {
        ...context,
        ...common,
        type: 'governance_request.requested',
        details: { reason: saved.reason, verdicts },
      });
      if (automatic) {
        await this.audit.record(manager, {
          ...context,
          ...common,
          type: 'governance_request.auto_approved',
          details: { rules: [...new Set(verdicts.map((verdict) => verdict.rule))] },
        });
      }
      return toGovernanceDto(saved);
    });
  }

  async pending(principal: Principal): Promise<GovernanceResponseDto[]> {
    await this.expire();
    const requester = requesterFilterFor(principal);
    const rows = await this.dataSource.getRepository(GovernanceRequest).find({
      where: { status: 'pending', ...(requester ? { requestedBy: requester } : {}) },
      order: { requestedAt: 'ASC', id: 'ASC' },
      take: 500,
    });
    return rows.map(toGovernanceDto);
  }

  async decide(id: string, dto: GovernanceDecisionDto, decider: Principal): Promise<GovernanceResponseDto> {
    await this.expire();
    return this.dataSource.transaction(async (manager) => {
      const request = /^[0-9a-f-]{36}$/i.test(id)
        ? await manager.findOne(GovernanceRequest, { where: { id }, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!request) throw new NotFoundException(`Governance request "${id}" not found`);
      await assertMayDecide(request.requestedBy, decider, this.keys);
      if (request.status !== 'pending' || request.expiresAt.getTime() <= Date.now()) {
        throw new ConflictException(
          `Governance request is ${request.status === 'pending' ? 'timeout' : request.status}, not pending`,
        );
      }
      request.status = dto.approved ? 'approved' : 'rejected';
      request.decidedBy = decider.id;
      request.decidedByName = decider.name;
      request.decidedAt = new Date();
      request.decisionComment = dto.comment;
      await manager.save(request);
      await this.audit.record(manager, {
        ...auditContextFor(decider),
        type: `governance_request.${request.status}`,
        subject: { type: 'governance_request', id: request.id },
        runId: request.runId,
        phaseId: request.phaseId,
        details: {
          requested_by: request.requestedBy,
          comment: dto.comment,
          paths: request.verdicts.map((v) => v.normalized),
        },
      });
      return toGovernanceDto(request);
    });
  }

  /** Every path decided, or a 422 naming each path that cannot even be asked about. */
  private decidePaths(paths: string[]): PathVerdict[] {
    const verdicts: PathVerdict[] = [];
    const detail: Array<{ loc: Array<string | number>; msg: string; type: string }> = [];
    paths.forEach((path, index) => {
      try {
        verdicts.push(this.policy.decide(path));
      } catch (error) {
        if (!(error instanceof InvalidPathError)) throw error;
        detail.push({ loc: ['body', 'paths', index], msg: `path ${error.message}`, type: 'invalid_path' });
      }
    });
    if (detail.length > 0) {
      throw new UnprocessableEntityException({ message: `Invalid path (${detail[0].msg})`, detail });
    }
    return verdicts;
  }
}

function toGovernanceDto(row: GovernanceRequest): GovernanceResponseDto {
  return {
    request_id: row.id,
    status: row.status,
    run_id: row.runId,
    phase_id: row.phaseId,
    reason: row.reason,
    paths: row.verdicts,
    requested_by: row.requestedBy,
    requested_at: row.requestedAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
    decided_by: row.decidedBy,
    decided_by_name: row.decidedByName,
    decided_at: row.decidedAt?.toISOString() ?? null,
    comment: row.decisionComment,
  };
}
