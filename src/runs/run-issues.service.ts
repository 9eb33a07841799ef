import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import type { OffsetPageQueryDto } from '../http/page-query.dto';
import type {
  BacklogEntryDto,
  ProjectBacklogDto,
  RunIssueEntryDto,
  RunIssueIndexDto,
} from './dto/run-issues.dto';
import { PhaseIssue } from './entities/phase-issue.entity';
import { ownerFilterFor } from '../access/visibility';
import type { IssueSeverity } from './run-states';
import { RunQueriesService } from './run-queries.service';

/** The run's issue index (issues de-duplicated by key) and the project backlog across visible runs. */
@Injectable()
export class RunIssuesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: RunQueriesService,
  ) {}

  async runIndex(runId: string, principal: Principal): Promise<RunIssueIndexDto> {
    await this.runs.findVisibleRun(runId, principal);
    const rows = await this.dataSource
      .getRepository(PhaseIssue)
      .find({ where: { runId }, order: { firstSeenAt: 'ASC', issueKey: 'ASC', phaseId: 'ASC' } });
    const byKey = new Map<string, RunIssueEntryDto>();
    for (const row of rows) {
      const entry = byKey.get(row.issueKey);
      if (!entry) {
        byKey.set(row.issueKey, {
          issue_key: row.issueKey,
          severity: row.severity,
          category: row.category,
          description: row.description,
          occurrence_count: row.occurrenceCount,
          seen_in_phases: [row.phaseId],
          seen_in_tiers: [row.tierId],
          first_seen_at: row.firstSeenAt.toISOString(),
          last_seen_at: row.lastSeenAt.toISOString(),
        });
        continue;
      }
      entry.occurrence_count += row.occurrenceCount;
      if (row.severity === 'major') entry.severity = 'major';
      if (!entry.seen_in_phases.includes(row.phaseId)) entry.seen_in_phases.push(row.phaseId);
      if (!entry.seen_in_tiers.includes(row.tierId)) entry.seen_in_tiers.push(row.tierId);
      const last = row.lastSeenAt.toISOString();
      if (last > entry.last_seen_at) entry.last_seen_at = last;
    }
    const issues = [...byKey.values()];
    return { run_id: runId, issues, issues_by_key: Object.fromEntries(byKey), total: issues.length };
  }

  /** Issues across every run the principal may see, grouped by key, most recently seen first. */
  async backlog(page: OffsetPageQueryDto, principal: Principal): Promise<ProjectBacklogDto> {
    const owner = ownerFilterFor(principal);
    const params: unknown[] = [];
    const where =
      owner === null ? '' : (params.push(owner), `WHERE r.owner_principal_id = $${params.length}`);
    const limit = page.limit ?? 20;
    const offset = page.offset ?? 0;
    const [rows, totals] = await Promise.all([
      this.dataSource.query<
        Array<
          Omit<BacklogEntryDto, 'first_seen_at' | 'last_seen_at'> & {
            first_seen_at: Date;
            last_seen_at: Date;
          }
        >
      >(
        `SELECT i.issue_key,
                CASE WHEN bool_or(i.severity = 'major') THEN 'major' ELSE 'minor' END AS severity,
                (array_agg(i.category ORDER BY i.last_seen_at DESC))[1] AS category,
                sum(i.occurrence_count)::int AS occurrence_count,
                count(DISTINCT i.run_id)::int AS age_in_runs,
                (array_agg(i.run_id ORDER BY i.first_seen_at ASC))[1] AS first_seen_run_id,
                (array_agg(i.run_id ORDER BY i.last_seen_at DESC))[1] AS last_seen_run_id,
                min(i.first_seen_at) AS first_seen_at,
                max(i.last_seen_at) AS last_seen_at
         FROM phase_issues i JOIN runs r ON r.id = i.run_id
         ${where}
         GROUP BY i.issue_key
         ORDER BY max(i.last_seen_at) DESC, i.issue_key ASC
         LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ),
      this.dataSource.query<Array<{ total: number }>>(
        `SELECT count(DISTINCT i.issue_key)::int AS total FROM phase_issues i JOIN runs r ON r.id = i.run_id ${where}`,
        params,
      ),
    ]);
    return {
      issues: rows.map((row) => ({
        ...row,
        severity: row.severity as IssueSeverity,
        first_seen_at: row.first_seen_at.toISOString(),
        last_seen_at: row.last_seen_at.toISOString(),
      })),
      total: totals[0].total,
      limit,
      offset,
    };
  }
}
