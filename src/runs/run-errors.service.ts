import { Injectable, NotFoundException } from '@nestjs/common';
import { idempotentTransaction } from '../idempotency/idempotent-transaction';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import type { ErrorReportDto } from './dto/error-report.dto';
import type { ErrorReportResponseDto, RunErrorListDto, RunErrorSummaryDto } from './dto/run-errors.dto';
import type { PageQueryDto } from './dto/run-list-query.dto';
import { keysetPage } from '../http/keyset-page';
import type { KeysetOrder } from '../http/keyset-page';
import type { ErrorRecordedDto } from './dto/write-responses.dto';
import { RunErrorReport } from './entities/run-error-report.entity';
import { RunPhase } from './entities/run-phase.entity';
import { redactJson } from '../redaction/redactor';
import type { JsonValue } from '../redaction/redactor';
import { lockRunForWrite } from './run-ledger';
import { RunQueriesService } from './run-queries.service';
import { EventLogService } from '../events/event-log.service';

/** Newest first, served by the (run_id, created_at) index. */
const RUN_ERRORS_ORDER: KeysetOrder = {
  list: 'run_errors',
  key: 'e.created_at',
  id: 'e.id',
  direction: 'DESC',
  idType: 'uuid',
};

/** Error reports: executors write them (redacted before storage), operators read them. */
@Injectable()
export class RunErrorsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: RunQueriesService,
    private readonly events: EventLogService,
  ) {}

  /**
   * Stores an executor's error report. Accepted on a finished run too: the last thing an executor does
   * after its run failed is usually to say why, and a report changes no run state.
   */
  report(runId: string, dto: ErrorReportDto, principal: Principal): Promise<ErrorRecordedDto> {
    return idempotentTransaction(this.dataSource, async (manager) => {
      const run = await lockRunForWrite(manager, runId, principal, { allowFinished: true });
      if (dto.phase_id != null) {
        const exists = await manager
          .getRepository(RunPhase)
          .existsBy({ runId: run.id, phaseId: dto.phase_id });
        if (!exists) throw new NotFoundException(`Phase "${dto.phase_id}" not found in run "${run.id}"`);
      }
      // Executor-supplied error text passes the project's one redactor before it is written.
      const redacted = redactJson({ message: dto.message, context: (dto.context ?? {}) as JsonValue }) as {
        value: { message: string; context: Record<string, unknown> };
        count: number;
      };
      const saved = await manager.getRepository(RunErrorReport).save(
        manager.getRepository(RunErrorReport).create({
          runId: run.id,
          phaseId: dto.phase_id ?? null,
          errorType: dto.error_type,
          message: redacted.value.message,
          context: redacted.value.context,
          redactionCount: redacted.count,
        }),
      );
      await this.events.append(manager, {
        type: 'run.error_recorded',
        subject: { type: 'run', id: run.id },
        runId: run.id,
        owner: run.ownerPrincipalId,
        summary: `Run ${run.id}${dto.phase_id != null ? ` phase ${dto.phase_id}` : ''} reported a ${dto.error_type} error`,
        data: { error_type: dto.error_type, phase_id: dto.phase_id ?? null, report_id: saved.id },
      });
      return { message: 'Error recorded', id: saved.id, run_id: run.id, redaction_count: redacted.count };
    });
  }

  async list(runId: string, page: PageQueryDto, principal: Principal): Promise<RunErrorListDto> {
    await this.runs.findVisibleRun(runId, principal);
    const select = this.dataSource
      .getRepository(RunErrorReport)
      .createQueryBuilder('e')
      .where('e.run_id = :runId', { runId });
    const { items, ...paging } = await keysetPage(select, RUN_ERRORS_ORDER, page);
    return { run_id: runId, errors: items.map(errorView), ...paging };
  }

  async summary(runId: string, principal: Principal): Promise<RunErrorSummaryDto> {
    await this.runs.findVisibleRun(runId, principal);
    const rows = await this.dataSource.query<
      Array<{ error_type: string; phase_id: string | null; count: number; first: Date; last: Date }>
    >(
      `SELECT error_type, phase_id, count(*)::int AS count, min(created_at) AS first, max(created_at) AS last
       FROM run_error_reports WHERE run_id = $1 GROUP BY error_type, phase_id`,
      [runId],
    );
    const byType: Record<string, number> = {};
    const byPhase: Record<string, number> = {};
    let first: Date | null = null;
    let last: Date | null = null;
    for (const row of rows) {
      byType[row.error_type] = (byType[row.error_type] ?? 0) + row.count;
      // Errors outside any phase are counted under "run".
      const phase = row.phase_id ?? 'run';
      byPhase[phase] = (byPhase[phase] ?? 0) + row.count;
      if (!first || row.first < first) first = row.first;
      if (!last || row.last > last) last = row.last;
    }
    return {
      run_id: runId,
      total_errors: rows.reduce((total, row) => total + row.count, 0),
      by_type: byType,
      by_phase: byPhase,
      first_error_at: first ? first.toISOString() : null,
      last_error_at: last ? last.toISOString() : null,
    };
  }
}

function errorView(report: RunErrorReport): ErrorReportResponseDto {
  return {
    id: report.id,
    run_id: report.runId,
    phase_id: report.phaseId,
    error_type: report.errorType,
    message: report.message,
    context: report.context,
    redaction_count: report.redactionCount,
    created_at: report.createdAt.toISOString(),
  };
}
