import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager, FindOptionsWhere } from 'typeorm';
import type { Principal } from '../auth/principal';
import type { DashboardRunStatusDto } from './dto/dashboard-status.dto';
import type { RunListResponseDto, RunSummaryDto } from './dto/run-list.dto';
import type { RunListQueryDto } from './dto/run-list-query.dto';
import type { RunProgressDto } from './dto/run-progress.dto';
import type { RunResponseDto } from './dto/run-response.dto';
import { RunPhase } from './entities/run-phase.entity';
import { RunTier } from './entities/run-tier.entity';
import { Run } from './entities/run.entity';
import { isPhaseTerminal } from './phase-state-machine';
import { ownerFilterFor } from '../access/visibility';
import { runNotFound } from './run-ledger';
import { cappedTotal, decodeCursor, pageOf, pagingOf } from '../http/keyset-page';
import { RUN_LIST_ORDER, runListCountQuery, runListPageQuery } from './run-list.query';
import type { RunListRow } from './run-list.query';
import type { RunState } from './run-states';
import { iso, orderPhases, orderTiers, runView } from './run-views';

const IN_PROGRESS = ['EXECUTING', 'GATE', 'CI_RUNNING'];

/** The run, restricted to the principal's own unless it sees every run. */
function visibleRun(runId: string, principal: Principal): FindOptionsWhere<Run> {
  const owner = ownerFilterFor(principal);
  return owner === null ? { id: runId } : { id: runId, ownerPrincipalId: owner };
}

/** The operator's run views. Every query is restricted to the runs the principal may see. */
@Injectable()
export class RunQueriesService {
  constructor(private readonly dataSource: DataSource) {}

  /** A run the principal may see, or 404 (also for a run that exists but is someone else's). */
  async findVisibleRun(runId: string, principal: Principal): Promise<Run> {
    const run = await this.dataSource.getRepository(Run).findOneBy(visibleRun(runId, principal));
    if (!run) throw runNotFound(runId);
    return run;
  }

  /** Whether the principal may see the run, read on `manager` when given (the caller's transaction). */
  canSeeRun(runId: string, principal: Principal, manager?: EntityManager): Promise<boolean> {
    return (manager ?? this.dataSource.manager).getRepository(Run).existsBy(visibleRun(runId, principal));
  }

  /** Two queries whatever the page size or depth: the page with phase counts, and the capped total. */
  async list(query: RunListQueryDto, principal: Principal): Promise<RunListResponseDto> {
    const { limit, offset, cursor } = pagingOf(query);
    const filter = {
      owner: ownerFilterFor(principal),
      state: query.state,
      createdAfter: query.created_after ? new Date(query.created_after) : undefined,
      createdBefore: query.created_before ? new Date(query.created_before) : undefined,
      limit,
      offset,
      after: cursor === undefined ? undefined : decodeCursor(RUN_LIST_ORDER, cursor),
    };
    const page = runListPageQuery(filter);
    const count = runListCountQuery(filter);
    const [rows, totals] = await Promise.all([
      this.dataSource.query<RunListRow[]>(page.sql, page.params),
      this.dataSource.query<Array<{ total: number }>>(count.sql, count.params),
    ]);
    const { items, next_cursor } = pageOf(RUN_LIST_ORDER, rows, limit, (row) => ({
      key: row.keyset_key,
      id: row.id,
    }));
    return { runs: items.map(summaryView), ...cappedTotal(totals[0].total), limit, offset, next_cursor };
  }

  /** Three queries: the run, its tiers, its phases. */
  async get(runId: string, principal: Principal): Promise<RunResponseDto> {
    const run = await this.findVisibleRun(runId, principal);
    const [tiers, phases] = await Promise.all([
      this.dataSource.getRepository(RunTier).findBy({ runId }),
      this.dataSource.getRepository(RunPhase).findBy({ runId }),
    ]);
    return runView(run, tiers, phases);
  }

  async progress(runId: string, principal: Principal): Promise<RunProgressDto> {
    const run = await this.findVisibleRun(runId, principal);
    const [tiers, phases] = await Promise.all([
      this.dataSource.getRepository(RunTier).findBy({ runId }),
      this.dataSource.getRepository(RunPhase).findBy({ runId }),
    ]);
    const count = (predicate: (p: RunPhase) => boolean) => phases.filter(predicate).length;
    return {
      run_id: run.id,
      state: run.state,
      phases_total: phases.length,
      phases_completed: count((p) => p.state === 'COMPLETE' || p.state === 'SKIPPED'),
      phases_failed: count((p) => p.state === 'FAILED'),
      phases_in_progress: count((p) => IN_PROGRESS.includes(p.state)),
      phases_pending: count((p) => p.state === 'QUEUED'),
      phases: orderPhases(phases, tiers).map((p) => ({
        phase_id: p.phaseId,
        tier_id: p.tierId,
        name: p.name,
        state: p.state,
        phase_index: p.phaseIndex,
        tokens_used: p.tokensUsed,
        started_at: iso(p.startedAt),
        completed_at: iso(p.completedAt),
      })),
      tokens_used: run.tokensUsed,
      token_cap: run.tokenCap,
      started_at: iso(run.startedAt),
      completed_at: iso(run.completedAt),
      elapsed_seconds: elapsedSeconds(run),
    };
  }

  async dashboardStatus(runId: string, principal: Principal): Promise<DashboardRunStatusDto> {
    const run = await this.findVisibleRun(runId, principal);
    const [tiers, phases] = await Promise.all([
      this.dataSource.getRepository(RunTier).findBy({ runId }),
      this.dataSource.getRepository(RunPhase).findBy({ runId }),
    ]);
    const ordered = orderPhases(phases, tiers);
    // The phase being worked on, else the next one waiting.
    const current =
      ordered.find((p) => IN_PROGRESS.includes(p.state)) ?? ordered.find((p) => p.state === 'QUEUED');
    const currentTier = current ? tiers.find((t) => t.tierId === current.tierId) : undefined;
    const done = phases.filter((p) => isPhaseTerminal(p.state)).length;
    return {
      run_id: run.id,
      state: run.state,
      current_tier_name: currentTier?.name ?? null,
      current_phase_name: current?.name ?? null,
      current_tier_index: currentTier?.tierIndex ?? null,
      current_phase_index: current?.phaseIndex ?? null,
      total_tiers: tiers.length,
      total_phases: phases.length,
      completed_tiers: orderTiers(tiers).filter((t) => ['COMPLETE', 'SKIPPED'].includes(t.state)).length,
      completed_phases: phases.filter((p) => p.state === 'COMPLETE' || p.state === 'SKIPPED').length,
      failed_phases: phases.filter((p) => p.state === 'FAILED').length,
      percent_complete: phases.length === 0 ? 0 : Math.round((done / phases.length) * 1000) / 10,
      tokens_used: run.tokensUsed,
      token_cap: run.tokenCap,
      token_utilization: Math.round((run.tokensUsed / run.tokenCap) * 10_000) / 10_000,
      minor_issues_count: run.minorIssuesCount,
      major_issues_count: run.majorIssuesCount,
      started_at: iso(run.startedAt),
      completed_at: iso(run.completedAt),
    };
  }
}

function elapsedSeconds(run: Run): number | null {
  if (!run.startedAt) return null;
  const end = run.completedAt ?? new Date();
  return Math.max(0, Math.round((end.getTime() - run.startedAt.getTime()) / 1000));
}

function summaryView(row: RunListRow): RunSummaryDto {
  return {
    id: row.id,
    state: row.state as RunState,
    safety_profile: row.safety_profile,
    run_scope: row.run_scope,
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    tokens_used: Number(row.tokens_used),
    token_cap: Number(row.token_cap),
    minor_issues_count: row.minor_issues_count,
    major_issues_count: row.major_issues_count,
    failure_reason: row.failure_reason,
    owner_principal_id: row.owner_principal_id,
    phases_total: row.phases_total,
    phases_queued: row.phases_queued,
    phases_in_progress: row.phases_in_progress,
    phases_completed: row.phases_completed,
    phases_failed: row.phases_failed,
    phases_skipped: row.phases_skipped,
  };
}
