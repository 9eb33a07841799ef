import { ConflictException, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import type { AuditorResultDto } from './dto/auditor-result.dto';
import type { BuilderResultDto } from './dto/builder-result.dto';
import type { PhaseStatusUpdateDto } from './dto/phase-status-update.dto';
import type { RecordIssueDto } from './dto/suggested-issue.dto';
import type { IssueRecordedDto, PhaseWriteResponseDto, ResultRecordedDto } from './dto/write-responses.dto';
import { AuditorResult } from './entities/auditor-result.entity';
import { BuilderResult } from './entities/builder-result.entity';
import { writeChanges } from '../database/write-changes';
import { RunPhase } from './entities/run-phase.entity';
import type { Run } from './entities/run.entity';
import { EventLogService } from '../events/event-log.service';
import { idempotentTransaction } from '../idempotency/idempotent-transaction';
import { allowedNextStates, canTransition, isPhaseTerminal } from './phase-state-machine';
import {
  addResultTokens,
  findPhaseOf,
  lockRunForWrite,
  recordIssueOccurrence,
  settleRun,
} from './run-ledger';
import { phaseView } from './run-views';
import { assertBodyMatchesPath } from './body-matches-path';

export interface PhaseRef {
  runId: string;
  phaseId: string;
}

/**
 * The executor's phase writes. Each is one transaction that locks the run, checks the change is
 * allowed, applies it and settles the run's derived state — so a refused or failed request leaves
 * nothing behind.
 */
@Injectable()
export class PhaseWritesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly events: EventLogService,
  ) {}

  /** settleRun, and the run's state change as an event in the same transaction. */
  private async settle(manager: EntityManager, run: Run): Promise<Run> {
    const from = run.state;
    const settled = await settleRun(manager, run);
    if (settled.state !== from) {
      await this.events.append(manager, {
        type: 'run.state_changed',
        subject: { type: 'run', id: run.id },
        runId: run.id,
        owner: run.ownerPrincipalId,
        summary: `Run ${run.id} moved from ${from} to ${settled.state}`,
        data: { from, to: settled.state, failure_reason: settled.failureReason ?? null },
      });
    }
    return settled;
  }

  /** An event about one phase of `run`. */
  private phaseEvent(
    manager: EntityManager,
    run: Run,
    phase: RunPhase,
    type:
      | 'phase.state_changed'
      | 'phase.builder_result_recorded'
      | 'phase.auditor_result_recorded'
      | 'run.issue_recorded',
    summary: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    return this.events.append(manager, {
      type,
      subject: { type: 'phase', id: `${run.id}/${phase.phaseId}` },
      runId: run.id,
      owner: run.ownerPrincipalId,
      summary: `Run ${run.id} phase ${phase.phaseId}: ${summary}`,
      data: { phase_id: phase.phaseId, ...data },
    });
  }

  updateStatus(
    ref: PhaseRef,
    dto: PhaseStatusUpdateDto,
    principal: Principal,
  ): Promise<PhaseWriteResponseDto> {
    return idempotentTransaction(this.dataSource, async (manager) => {
      const run = await lockRunForWrite(manager, ref.runId, principal);
      const phase = await findPhaseOf(manager, run, ref.phaseId);
      const from = phase.state;
      const to = dto.state;

      if (!canTransition(from, to)) {
        const allowed = allowedNextStates(from);
        throw new ConflictException({
          message:
            `Phase "${phase.phaseId}" cannot move from ${from} to ${to}; ` +
            (allowed.length ? `allowed: ${allowed.join(', ')}` : `${from} is final`),
          current_state: from,
          allowed_transitions: allowed,
        });
      }
      const starting = to === 'EXECUTING' && from !== 'EXECUTING';
      if (starting && run.tokensUsed >= run.tokenCap) {
        throw new ConflictException(
          `Run "${run.id}" has used its token budget (${run.tokensUsed} of ${run.tokenCap}); no phase may start`,
        );
      }

      const now = new Date();
      phase.state = to;
      if (starting && !phase.startedAt) phase.startedAt = now;
      if (isPhaseTerminal(to)) phase.completedAt = now;
      if (dto.builder_attempts != null) phase.builderAttempts = dto.builder_attempts;
      if (dto.minor_issues_count != null) phase.minorIssuesCount = dto.minor_issues_count;
      if (dto.major_issues_count != null) phase.majorIssuesCount = dto.major_issues_count;
      if (dto.quality_level != null) phase.qualityLevel = dto.quality_level;
      if (dto.quality_blocked != null) phase.qualityBlocked = dto.quality_blocked;
      if (dto.tokens_used != null) {
        phase.reportedTokensUsed = dto.tokens_used;
        phase.tokensUsed = Math.max(phase.resultTokensUsed, phase.reportedTokensUsed);
      }
      await writeChanges(manager, RunPhase, phase);
      if (from !== to) {
        await this.phaseEvent(manager, run, phase, 'phase.state_changed', `moved from ${from} to ${to}`, {
          from,
          to,
        });
      }
      const settled = await this.settle(manager, run);
      return {
        ...phaseView(phase),
        message: from === to ? `Phase stays ${to}` : `Phase moved from ${from} to ${to}`,
        run_state: settled.state,
        run_tokens_used: settled.tokensUsed,
      };
    });
  }

  builderResult(ref: PhaseRef, dto: BuilderResultDto, principal: Principal): Promise<ResultRecordedDto> {
    assertBodyMatchesPath(dto, ref);
    this.assertPatchWithinCap(dto.patch_content, 'patch_content');
    return this.recordResult(ref, principal, async (manager, run, phase) => {
      const result = await manager.getRepository(BuilderResult).save(
        manager.getRepository(BuilderResult).create({
          runId: run.id,
          phaseUuid: phase.id,
          phaseId: phase.phaseId,
          status: dto.status,
          runType: dto.run_type ?? 'project_build',
          allowedPaths: dto.allowed_paths ?? [],
          patchContent: dto.patch_content ?? null,
          filesChanged: dto.files_changed ?? [],
          linesAdded: dto.lines_added ?? 0,
          linesRemoved: dto.lines_removed ?? 0,
          builderAttempts: dto.builder_attempts ?? 1,
          tokensUsed: dto.tokens_used ?? 0,
          durationMinutes: dto.duration_minutes ?? 0,
          probeResults: toPlain(dto.probe_results ?? []),
          suggestedIssues: toPlain(dto.suggested_issues ?? []),
          notes: dto.notes ?? '',
        }),
      );
      phase.builderAttempts = Math.max(phase.builderAttempts, dto.builder_attempts ?? 1);
      addResultTokens(phase, dto.tokens_used ?? 0);
      for (const issue of dto.suggested_issues ?? []) await recordIssueOccurrence(manager, phase, issue);
      await this.phaseEvent(
        manager,
        run,
        phase,
        'phase.builder_result_recorded',
        `builder result ${dto.status}`,
        {
          status: dto.status,
          result_id: result.id,
        },
      );
      return { id: result.id, message: 'Builder result recorded' };
    });
  }

  auditorResult(ref: PhaseRef, dto: AuditorResultDto, principal: Principal): Promise<ResultRecordedDto> {
    assertBodyMatchesPath(dto, ref);
    (dto.suggested_patches ?? []).forEach((patch, index) =>
      this.assertPatchWithinCap(patch.patch_content, `suggested_patches[${index}].patch_content`),
    );
    return this.recordResult(ref, principal, async (manager, run, phase) => {
      const result = await manager.getRepository(AuditorResult).save(
        manager.getRepository(AuditorResult).create({
          runId: run.id,
          phaseUuid: phase.id,
          phaseId: phase.phaseId,
          reviewNotes: dto.review_notes,
          issuesFound: toPlain(dto.issues_found ?? []),
          suggestedPatches: toPlain(dto.suggested_patches ?? []),
          auditorAttempts: dto.auditor_attempts ?? 1,
          tokensUsed: dto.tokens_used ?? 0,
          recommendation: dto.recommendation,
          confidence: dto.confidence ?? 'medium',
        }),
      );
      addResultTokens(phase, dto.tokens_used ?? 0);
      for (const issue of dto.issues_found ?? []) await recordIssueOccurrence(manager, phase, issue);
      await this.phaseEvent(
        manager,
        run,
        phase,
        'phase.auditor_result_recorded',
        `auditor recommends ${dto.recommendation}`,
        { recommendation: dto.recommendation, result_id: result.id },
      );
      return { id: result.id, message: 'Auditor result recorded' };
    });
  }

  recordIssue(ref: PhaseRef, dto: RecordIssueDto, principal: Principal): Promise<IssueRecordedDto> {
    return idempotentTransaction(this.dataSource, async (manager) => {
      const run = await lockRunForWrite(manager, ref.runId, principal);
      const phase = await findPhaseOf(manager, run, ref.phaseId);
      const recorded = await recordIssueOccurrence(manager, phase, dto);
      await writeChanges(manager, RunPhase, phase);
      await this.phaseEvent(
        manager,
        run,
        phase,
        'run.issue_recorded',
        `${recorded.severity} issue ${dto.issue_key}`,
        {
          issue_key: dto.issue_key,
          severity: recorded.severity,
          occurrence_count: recorded.occurrenceCount,
        },
      );
      await this.settle(manager, run);
      return {
        message: recorded.occurrenceCount === 1 ? 'Issue recorded' : 'Issue occurrence counted',
        run_id: run.id,
        phase_id: phase.phaseId,
        issue_key: dto.issue_key,
        severity: recorded.severity,
        occurrence_count: recorded.occurrenceCount,
      };
    });
  }

  /** Shared by both result kinds: a phase takes results until it is final. */
  private recordResult(
    ref: PhaseRef,
    principal: Principal,
    write: (manager: EntityManager, run: Run, phase: RunPhase) => Promise<{ id: string; message: string }>,
  ): Promise<ResultRecordedDto> {
    return idempotentTransaction(this.dataSource, async (manager) => {
      const run = await lockRunForWrite(manager, ref.runId, principal);
      const phase = await findPhaseOf(manager, run, ref.phaseId);
      if (isPhaseTerminal(phase.state)) {
        throw new ConflictException(
          `Phase "${phase.phaseId}" is ${phase.state}; a final phase accepts no more results`,
        );
      }
      const { id, message } = await write(manager, run, phase);
      await writeChanges(manager, RunPhase, phase);
      const settled = await this.settle(manager, run);
      return {
        message,
        id,
        run_id: run.id,
        phase_id: phase.phaseId,
        phase_state: phase.state,
        run_state: settled.state,
        run_tokens_used: settled.tokensUsed,
      };
    });
  }

  private assertPatchWithinCap(patch: string | null | undefined, field: string): void {
    if (patch == null) return;
    const bytes = Buffer.byteLength(patch, 'utf8');
    if (bytes > this.config.maxPatchBytes) {
      throw new PayloadTooLargeException(
        `${field} is ${bytes} bytes; the limit is ${this.config.maxPatchBytes} (AUTOPACK_MAX_PATCH_BYTES)`,
      );
    }
  }
}

/** DTO instances → plain JSON for jsonb columns. */
const toPlain = <T>(value: T[]): Array<Record<string, unknown>> =>
  JSON.parse(JSON.stringify(value)) as Array<Record<string, unknown>>;
