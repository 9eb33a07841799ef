import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { ownerFilterFor } from '../access/visibility';
import { RunQueriesService } from '../runs/run-queries.service';
import { idempotentTransaction } from '../idempotency/idempotent-transaction';
import { keysetPage } from '../http/keyset-page';
import type { KeysetOrder } from '../http/keyset-page';
import type {
  ConsolidatedMetricsDto,
  ConsolidatedMetricsQueryDto,
  TokenSavingsDto,
  UsageEventDto,
  UsageEventRecordedDto,
  UsageResponseDto,
} from './dto/dashboard.dto';
import { LlmUsageEvent } from './entities/llm-usage-event.entity';
import { TokenSavingsEvent } from './entities/token-savings-event.entity';

const PERIOD_DAYS = { day: 1, week: 7, month: 30 } as const;

/** One run's savings events, oldest first, served by the (run_id, recorded_at, id) index. */
const SAVINGS_EVENT_ORDER: KeysetOrder = {
  list: 'token_savings_events',
  key: 'e.recorded_at',
  id: 'e.id',
  direction: 'ASC',
  idType: 'uuid',
};

/** Token accounting: LLM usage and token savings reported by executors, and their per-run totals. */
@Injectable()
export class UsageService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: RunQueriesService,
    private readonly config: AppConfig,
  ) {}

  async recordUsage(dto: UsageEventDto, principal: Principal): Promise<UsageEventRecordedDto> {
    await this.runs.findVisibleRun(dto.run_id, principal);
    const saved = await idempotentTransaction(
      this.dataSource,
      (manager) =>
        manager.getRepository(LlmUsageEvent).save({
          runId: dto.run_id,
          phaseId: dto.phase_id ?? null,
          provider: dto.provider,
          model: dto.model,
          promptTokens: dto.prompt_tokens,
          completionTokens: dto.completion_tokens,
          recordedBy: principal.id,
        }),
      (row) => ({ id: row.id, run_id: row.runId, total_tokens: row.promptTokens + row.completionTokens }),
    );
    return { id: saved.id, run_id: saved.runId, total_tokens: saved.promptTokens + saved.completionTokens };
  }

  /** Token use by provider and model over the period, counting only runs the principal may see. */
  async usage(period: keyof typeof PERIOD_DAYS, principal: Principal): Promise<UsageResponseDto> {
    const since = new Date(Date.now() - PERIOD_DAYS[period] * 86_400_000);
    const rows: Array<{
      provider: string;
      model: string;
      prompt: string;
      completion: string;
      calls: string;
    }> = await this.dataSource.query(
      `SELECT e.provider, e.model, sum(e.prompt_tokens) AS prompt, sum(e.completion_tokens) AS completion,
                count(*) AS calls
         FROM llm_usage_events e JOIN runs r ON r.id = e.run_id
         WHERE e.recorded_at >= $1 AND ($2::text IS NULL OR r.owner_principal_id = $2)
         GROUP BY e.provider, e.model ORDER BY e.provider, e.model`,
      [since, ownerFilterFor(principal)],
    );
    const byModel = rows.map((row) => ({
      provider: row.provider,
      model: row.model,
      prompt_tokens: Number(row.prompt),
      completion_tokens: Number(row.completion),
      total_tokens: Number(row.prompt) + Number(row.completion),
      calls: Number(row.calls),
    }));
    return {
      period,
      since: since.toISOString(),
      total_tokens: byModel.reduce((sum, row) => sum + row.total_tokens, 0),
      by_model: byModel,
    };
  }

  async recordSavings(dto: TokenSavingsDto, principal: Principal): Promise<{ id: string; run_id: string }> {
    await this.runs.findVisibleRun(dto.run_id, principal);
    const saved = await idempotentTransaction(
      this.dataSource,
      (manager) =>
        manager.getRepository(TokenSavingsEvent).save({
          runId: dto.run_id,
          phaseId: dto.phase_id ?? null,
          category: dto.category,
          tokens: dto.tokens,
          recordedBy: principal.id,
        }),
      (row) => ({ id: row.id, run_id: row.runId }),
    );
    return { id: saved.id, run_id: saved.runId };
  }

  /**
   * The four independent categories of one run. Each sums exactly one source — spent tokens from LLM usage
   * events, each saving from its own category of savings events — so no token is counted twice.
   */
  async consolidatedMetrics(
    runId: string,
    query: ConsolidatedMetricsQueryDto,
    principal: Principal,
  ): Promise<ConsolidatedMetricsDto> {
    if (!this.config.consolidatedMetricsEnabled) {
      throw new ServiceUnavailableException({
        message: 'Consolidated metrics are switched off (AUTOPACK_ENABLE_CONSOLIDATED_METRICS=0)',
        switch: 'AUTOPACK_ENABLE_CONSOLIDATED_METRICS',
      });
    }
    const run = await this.runs.findVisibleRun(runId, principal);
    const events = this.dataSource
      .getRepository(TokenSavingsEvent)
      .createQueryBuilder('e')
      .where('e.run_id = :runId', { runId: run.id });
    const [[sums], page] = await Promise.all([
      this.dataSource.query(
        `SELECT
           (SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM llm_usage_events WHERE run_id = $1) AS spent,
           coalesce(sum(tokens) FILTER (WHERE category = 'artifact_tokens_avoided'), 0) AS artifact,
           coalesce(sum(tokens) FILTER (WHERE category = 'doctor_tokens_avoided_estimate'), 0) AS doctor,
           coalesce(sum(tokens) FILTER (WHERE category = 'ab_delta'), 0) AS ab
         FROM token_savings_events WHERE run_id = $1`,
        [run.id],
      ),
      keysetPage(events, SAVINGS_EVENT_ORDER, query),
    ]);
    return {
      run_id: run.id,
      token_cap: run.tokenCap,
      categories: {
        tokens_spent: Number(sums.spent),
        artifact_tokens_avoided: Number(sums.artifact),
        doctor_tokens_avoided_estimate: Number(sums.doctor),
        ab_delta: Number(sums.ab),
      },
      savings_events: page.items.map((event) => ({
        id: event.id,
        phase_id: event.phaseId,
        category: event.category,
        tokens: event.tokens,
        recorded_at: event.recordedAt.toISOString(),
      })),
      total_savings_events: page.total,
      total_exact: page.total_exact,
      limit: page.limit,
      offset: page.offset,
      next_cursor: page.next_cursor,
    };
  }
}
