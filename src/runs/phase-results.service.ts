import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import type { PhaseResultsDto } from './dto/phase-results.dto';
import { AuditorResult } from './entities/auditor-result.entity';
import { BuilderResult } from './entities/builder-result.entity';
import { RunPhase } from './entities/run-phase.entity';
import { RunQueriesService } from './run-queries.service';

/** Reports kept per phase and kind in one answer: a patch may be 1 MiB, so the answer stays bounded. */
const RESULTS_PER_KIND = 10;

/** What the builder and auditor reported for a phase (the console's run page shows the patch as a diff). */
@Injectable()
export class PhaseResultsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: RunQueriesService,
  ) {}

  async phaseResults(runId: string, phaseId: string, principal: Principal): Promise<PhaseResultsDto> {
    await this.runs.findVisibleRun(runId, principal);
    if (!(await this.dataSource.getRepository(RunPhase).existsBy({ runId, phaseId }))) {
      throw new NotFoundException('No such phase in this run');
    }
    const order = { createdAt: 'DESC', id: 'DESC' } as const;
    const [builder, auditor] = await Promise.all([
      this.dataSource
        .getRepository(BuilderResult)
        .find({ where: { runId, phaseId }, order, take: RESULTS_PER_KIND }),
      this.dataSource
        .getRepository(AuditorResult)
        .find({ where: { runId, phaseId }, order, take: RESULTS_PER_KIND }),
    ]);
    return {
      run_id: runId,
      phase_id: phaseId,
      builder_results: builder.map((b) => ({
        id: b.id,
        status: b.status,
        run_type: b.runType,
        patch_content: b.patchContent,
        files_changed: b.filesChanged,
        lines_added: b.linesAdded,
        lines_removed: b.linesRemoved,
        builder_attempts: b.builderAttempts,
        tokens_used: b.tokensUsed,
        duration_minutes: b.durationMinutes,
        notes: b.notes,
        created_at: b.createdAt.toISOString(),
      })),
      auditor_results: auditor.map((a) => ({
        id: a.id,
        recommendation: a.recommendation,
        confidence: a.confidence,
        review_notes: a.reviewNotes,
        issues_found: a.issuesFound,
        suggested_patches: a.suggestedPatches,
        auditor_attempts: a.auditorAttempts,
        tokens_used: a.tokensUsed,
        created_at: a.createdAt.toISOString(),
      })),
    };
  }
}
