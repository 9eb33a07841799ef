import { ConflictException, Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { EventLogService } from '../events/event-log.service';
import type { RunStartDto } from './dto/run-start.dto';
import { RunPhase } from './entities/run-phase.entity';
import { RunTier } from './entities/run-tier.entity';
import { Run } from './entities/run.entity';
import { normalizeStartRequest, startRequestFingerprint } from './start-request';
import type { NormalizedStartRequest } from './start-request';
import { CanonicalJsonError } from '../canonical-json/canonical-json';
import { bodyInvalid } from '../http/validation-errors';
import { idempotentTransaction } from '../idempotency/idempotent-transaction';
import type { RunResponseDto } from './dto/run-response.dto';
import { runView } from './run-views';

const UNIQUE_VIOLATION = '23505';

export interface StartOutcome {
  runId: string;
  /** False when this was a retry of an identical request that had already created the run. */
  created: boolean;
  /** The created run as it committed (what an Idempotency-Key retry is answered with). */
  view?: RunResponseDto;
}

/**
 * `POST /runs/start`: creates a run with its tiers and phases in one transaction. A retry with the same
 * run_id and an identical body by the same principal is recognised (by the request's fingerprint) and
 * answered with the existing run; anything else reusing the run_id is a conflict.
 */
@Injectable()
export class RunStartService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly events: EventLogService,
  ) {}

  async start(dto: RunStartDto, principal: Principal): Promise<StartOutcome> {
    const request = normalizeStartRequest(dto, this.config.runTokenCapDefault);
    assertCoherent(request);
    const fingerprint = fingerprintOf(request);
    const runId = request.run.run_id;

    const existing = await this.dataSource.getRepository(Run).findOneBy({ id: runId });
    if (existing) return this.answerRepeat(existing, principal, fingerprint);

    try {
      const view = await idempotentTransaction(this.dataSource, async (manager) => {
        await manager.getRepository(Run).insert({
          id: runId,
          ownerPrincipalId: principal.id,
          state: 'RUN_CREATED',
          safetyProfile: request.run.safety_profile,
          runScope: request.run.run_scope,
          tokenCap: request.run.token_cap,
          maxPhases: request.run.max_phases,
          maxDurationMinutes: request.run.max_duration_minutes,
          startRequestSha256: fingerprint,
        });
        if (request.tiers.length > 0) {
          await manager.getRepository(RunTier).insert(
            request.tiers.map((t) => ({
              runId,
              tierId: t.tier_id,
              tierIndex: t.tier_index,
              name: t.name,
              description: t.description,
              state: 'PENDING' as const,
            })),
          );
        }
        if (request.phases.length > 0) {
          const phases = manager.getRepository(RunPhase);
          await phases.save(
            phases.create(
              request.phases.map((p) => ({
                runId,
                phaseId: p.phase_id,
                tierId: p.tier_id,
                phaseIndex: p.phase_index,
                name: p.name,
                description: p.description,
                state: 'QUEUED' as const,
                taskCategory: p.task_category,
                complexity: p.complexity,
                builderMode: p.builder_mode,
                scope: p.scope,
                intentionRefs: p.intention_refs,
              })),
            ),
          );
        }
        await this.events.append(manager, {
          type: 'run.started',
          subject: { type: 'run', id: runId },
          runId,
          owner: principal.id,
          summary: `Run ${runId} was created with ${request.phases.length} phases in ${request.tiers.length} tiers`,
          data: { state: 'RUN_CREATED', phases: request.phases.length, tiers: request.tiers.length },
        });
        // One after another: a transaction is one connection, which runs one statement at a time anyway
        // (node-postgres deprecates queueing them, and pg 9 refuses it).
        const run = await manager.getRepository(Run).findOneByOrFail({ id: runId });
        const tiers = await manager.getRepository(RunTier).findBy({ runId });
        const phases = await manager.getRepository(RunPhase).findBy({ runId });
        return runView(run, tiers, phases);
      });
      return { runId, created: true, view };
    } catch (error) {
      // Two identical starts racing (an executor retrying while the first is still in flight).
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        const winner = await this.dataSource.getRepository(Run).findOneBy({ id: runId });
        if (winner) return this.answerRepeat(winner, principal, fingerprint);
      }
      throw error;
    }
  }

  private answerRepeat(existing: Run, principal: Principal, fingerprint: string): StartOutcome {
    if (existing.ownerPrincipalId === principal.id && existing.startRequestSha256 === fingerprint) {
      return { runId: existing.id, created: false };
    }
    if (existing.ownerPrincipalId === principal.id) {
      throw new ConflictException(
        `Run "${existing.id}" already exists with a different start request; use a new run_id`,
      );
    }
    throw new ConflictException(`Run "${existing.id}" already exists; use a new run_id`);
  }
}

/** Checks that span fields: phases name tiers of the request, ids are unique, max_phases holds. */
function assertCoherent(request: NormalizedStartRequest): void {
  const tierIds = new Set<string>();
  request.tiers.forEach((tier, index) => {
    if (tierIds.has(tier.tier_id))
      throw bodyInvalid(['tiers', index, 'tier_id'], `duplicate tier_id "${tier.tier_id}"`);
    tierIds.add(tier.tier_id);
  });
  const phaseIds = new Set<string>();
  request.phases.forEach((phase, index) => {
    if (phaseIds.has(phase.phase_id)) {
      throw bodyInvalid(['phases', index, 'phase_id'], `duplicate phase_id "${phase.phase_id}"`);
    }
    phaseIds.add(phase.phase_id);
    if (!tierIds.has(phase.tier_id)) {
      throw bodyInvalid(['phases', index, 'tier_id'], `names no tier of this request ("${phase.tier_id}")`);
    }
  });
  if (request.phases.length > request.run.max_phases) {
    throw bodyInvalid(
      ['phases'],
      `${request.phases.length} phases exceed run.max_phases (${request.run.max_phases})`,
      'value_error.max_phases',
    );
  }
}

/** The request's fingerprint, or a 422 for a string that has no canonical form (a lone surrogate). */
function fingerprintOf(request: NormalizedStartRequest): string {
  try {
    return startRequestFingerprint(request);
  } catch (error) {
    if (error instanceof CanonicalJsonError) throw bodyInvalid([], error.message, 'value_error.unicode');
    throw error;
  }
}
