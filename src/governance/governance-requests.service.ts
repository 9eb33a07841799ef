import { Injectable } from '@nestjs/common';
import type { ValidationDetailDto } from '../http/error-response.dto';
import { validationFailed } from '../http/validation-errors';
import { DataSource } from 'typeorm';
import { ExpiryScheduler } from '../approvals/expiry-scheduler';
import { HumansBehindService } from '../approvals/humans-behind.service';
import type { Principal } from '../auth/principal';
import { AuditService } from '../audit/audit.service';
import { EventLogService } from '../events/event-log.service';
import { AppConfig } from '../config/app-config';
import { RunQueriesService } from '../runs/run-queries.service';
import type { PendingPageQueryDto } from '../http/page-query.dto';
import type {
  GovernanceListDto,
  GovernanceDecisionDto,
  GovernanceRequestDto,
  GovernanceResponseDto,
} from './dto/governance.dto';
import { GovernanceRequest } from './entities/governance-request.entity';
import { decisionFields, HumanDecidedRequests } from './human-decided-requests';
import { InvalidPathError, PathPolicyEngine, PathVerdict } from './path-policy';

export const POLICY_APPROVER = 'policy:governance-policy';

/**
 * Path-based change requests. Each path is decided by the policy (never-patterns win, then auto-approve
 * patterns, else default deny); the request is approved by policy only when every path is, otherwise a
 * human decides it before it times out.
 */
@Injectable()
export class GovernanceRequestsService extends HumanDecidedRequests<
  GovernanceRequest,
  GovernanceResponseDto
> {
  protected readonly toDto = toGovernanceDto;
  constructor(
    dataSource: DataSource,
    audit: AuditService,
    scheduler: ExpiryScheduler,
    humans: HumansBehindService,
    private readonly config: AppConfig,
    private readonly runs: RunQueriesService,
    events: EventLogService,
    private readonly policy: PathPolicyEngine,
  ) {
    super(
      dataSource,
      audit,
      scheduler,
      humans,
      GovernanceRequest,
      'governance_requests',
      'governance_request',
      'Governance request',
      events,
    );
  }

  async request(dto: GovernanceRequestDto, principal: Principal): Promise<GovernanceResponseDto> {
    const verdicts = this.decidePaths(dto.paths);
    await this.runs.findVisibleRun(dto.run_id, principal);
    await this.runs.assertNotCancelled(dto.run_id);
    const automatic = verdicts.every((verdict) => verdict.decision === 'auto_approve');
    const saved = await this.createRow(
      principal,
      { runId: dto.run_id, phaseId: dto.phase_id, reason: dto.reason, verdicts },
      this.config.approvalTimeoutMinutes * 60_000,
      (row) => ({ reason: row.reason, verdicts }),
      toGovernanceDto,
      automatic
        ? {
            by: POLICY_APPROVER,
            name: 'governance policy',
            comment: 'every path matches an auto_approve rule and no never_auto_approve rule',
            details: { rules: [...new Set(verdicts.map((verdict) => verdict.rule))] },
          }
        : undefined,
    );
    return toGovernanceDto(saved);
  }

  /** One request, whatever its status; 404 for unknown ids and other principals' requests alike. */
  async get(id: string, principal: Principal): Promise<GovernanceResponseDto> {
    return toGovernanceDto(await this.visibleRow(id, principal));
  }

  async pending(principal: Principal, page: PendingPageQueryDto): Promise<GovernanceListDto> {
    const { items, ...paging } = await this.pendingPage(principal, page);
    return { requests: items.map(toGovernanceDto), ...paging };
  }

  async decide(id: string, dto: GovernanceDecisionDto, decider: Principal): Promise<GovernanceResponseDto> {
    const row = await this.decideRow(
      id,
      decider,
      { approved: dto.approved, comment: dto.comment },
      (request) => ({
        paths: request.verdicts.map((verdict) => verdict.normalized),
      }),
    );
    return toGovernanceDto(row);
  }

  /** Every path decided, or a 422 naming each path that cannot even be asked about. */
  private decidePaths(paths: string[]): PathVerdict[] {
    const verdicts: PathVerdict[] = [];
    const detail: ValidationDetailDto[] = [];
    paths.forEach((path, index) => {
      try {
        verdicts.push(this.policy.decide(path));
      } catch (error) {
        if (!(error instanceof InvalidPathError)) throw error;
        detail.push({ loc: ['body', 'paths', index], msg: `path ${error.message}`, type: 'invalid_path' });
      }
    });
    if (detail.length > 0) {
      throw validationFailed(detail);
    }
    return verdicts;
  }
}

function toGovernanceDto(row: GovernanceRequest): GovernanceResponseDto {
  return { request_id: row.id, ...decisionFields(row), reason: row.reason, paths: row.verdicts };
}
