import { ConflictException, NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { remember, writeChanges } from '../database/write-changes';
import type { Principal } from '../auth/principal';
import { INT4_MAX } from './dto/limits';
import { ownerFilterFor } from '../access/visibility';
import { deriveRunState, deriveTierState, failureReasonFor } from './run-state-derivation';
import { isRunFinished } from './run-states';
import type { IssueSeverity, RunConflictCode } from './run-states';
import { RunPhase } from './entities/run-phase.entity';
import { RunTier } from './entities/run-tier.entity';
import { Run } from './entities/run.entity';

/**
 * The write-side building blocks every executor write uses inside its one transaction: lock the run,
 * find the phase, count an issue, and settle the run's derived state. The run row lock serialises all
 * writes to one run across replicas, so derived counters never race.
 */

export const runNotFound = (runId: string) => new NotFoundException(`Run "${runId}" not found`);

/**
 * Locks the run for this transaction; 404 when it does not exist or the principal may not write to it. The
 * run (like the phase of findPhaseOf) is remembered as read: save it with `writeChanges`.
 */
export async function lockRunForWrite(
  manager: EntityManager,
  runId: string,
  principal: Principal,
  { allowFinished = false } = {},
): Promise<Run> {
  const owner = ownerFilterFor(principal);
  const run = await manager.getRepository(Run).findOne({
    where: owner === null ? { id: runId } : { id: runId, ownerPrincipalId: owner },
    lock: { mode: 'pessimistic_write' },
  });
  if (!run) throw runNotFound(runId);
  if (!allowFinished && isRunFinished(run.state)) throw runClosed(run);
  return remember(manager, Run, run);
}

/** 409 for a write to a finished run; `code` tells a cancelled run (an operator's stop) from a done one. */
export function runClosed(run: Run): ConflictException {
  if (run.state === 'CANCELLED') {
    return new ConflictException({
      message: `Run "${run.id}" was cancelled by an operator and accepts no more changes`,
      code: 'run_cancelled' satisfies RunConflictCode,
    });
  }
  return new ConflictException({
    message: `Run "${run.id}" is finished (${run.state}) and accepts no more changes`,
    code: 'run_finished' satisfies RunConflictCode,
  });
}

export async function findPhaseOf(manager: EntityManager, run: Run, phaseId: string): Promise<RunPhase> {
  const phase = await manager.getRepository(RunPhase).findOneBy({ runId: run.id, phaseId });
  if (!phase) throw new NotFoundException(`Phase "${phaseId}" not found in run "${run.id}"`);
  return remember(manager, RunPhase, phase);
}

export interface IssueInput {
  issue_key: string;
  severity: IssueSeverity;
  category: string;
  description?: string;
  evidence_refs?: string[];
}

/**
 * Records one occurrence of an issue in a phase: a new key is inserted, a known key counts another
 * occurrence (a minor issue seen again as major becomes major). The phase's distinct-issue counters
 * follow (mutated on `phase`; the caller saves it).
 */
export async function recordIssueOccurrence(
  manager: EntityManager,
  phase: RunPhase,
  issue: IssueInput,
): Promise<{ occurrenceCount: number; severity: IssueSeverity }> {
  const rows: Array<{
    occurrence_count: number;
    severity: IssueSeverity;
    previous_severity: IssueSeverity | null;
  }> = await manager.query(
    `WITH previous AS (SELECT severity FROM phase_issues WHERE phase_uuid = $1 AND issue_key = $5)
       INSERT INTO phase_issues AS i
         (run_id, phase_uuid, phase_id, tier_id, issue_key, severity, category, description, evidence_refs)
       VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9::jsonb)
       ON CONFLICT (phase_uuid, issue_key) DO UPDATE SET
         occurrence_count = i.occurrence_count + 1,
         severity = CASE WHEN EXCLUDED.severity = 'major' THEN 'major' ELSE i.severity END,
         category = EXCLUDED.category,
         description = CASE WHEN EXCLUDED.description = '' THEN i.description ELSE EXCLUDED.description END,
         evidence_refs = (SELECT coalesce(jsonb_agg(DISTINCT e), '[]'::jsonb)
                          FROM jsonb_array_elements(i.evidence_refs || EXCLUDED.evidence_refs) AS e),
         last_seen_at = now()
       RETURNING occurrence_count, severity, (SELECT severity FROM previous) AS previous_severity`,
    [
      phase.id,
      phase.runId,
      phase.phaseId,
      phase.tierId,
      issue.issue_key,
      issue.severity,
      issue.category,
      issue.description ?? '',
      JSON.stringify(issue.evidence_refs ?? []),
    ],
  );
  const { occurrence_count, severity, previous_severity } = rows[0];
  if (previous_severity === null) {
    if (severity === 'major') phase.majorIssuesCount = count(phase.majorIssuesCount + 1);
    else phase.minorIssuesCount = count(phase.minorIssuesCount + 1);
  } else if (previous_severity === 'minor' && severity === 'major') {
    phase.minorIssuesCount = Math.max(0, phase.minorIssuesCount - 1);
    phase.majorIssuesCount = count(phase.majorIssuesCount + 1);
  }
  return { occurrenceCount: occurrence_count, severity };
}

/** Counts result tokens on a phase: the phase uses the larger of its results' sum and the executor's total. */
export function addResultTokens(phase: RunPhase, tokens: number): void {
  phase.resultTokensUsed += tokens;
  phase.tokensUsed = Math.max(phase.resultTokensUsed, phase.reportedTokensUsed);
}

/**
 * Recomputes everything derived from a run's phases after a change, and saves it: tier states, issue
 * counts and cleanliness; the run's token use, issue counts and state, with `started_at`,
 * `completed_at` and `failure_reason`. Call after saving the changed phase, in the same transaction.
 */
export async function settleRun(manager: EntityManager, run: Run): Promise<Run> {
  // In sequence: `manager` is the caller's transaction, one connection (see RunStartService.start).
  const phases = await manager.getRepository(RunPhase).findBy({ runId: run.id });
  const tiers = (await manager.getRepository(RunTier).findBy({ runId: run.id })).map((tier) =>
    remember(manager, RunTier, tier),
  );

  const changedTiers: RunTier[] = [];
  for (const tier of tiers) {
    const own = phases.filter((p) => p.tierId === tier.tierId);
    const next = {
      state: deriveTierState(own),
      minorIssuesCount: count(sum(own.map((p) => p.minorIssuesCount))),
      majorIssuesCount: count(sum(own.map((p) => p.majorIssuesCount))),
    };
    const cleanliness = next.majorIssuesCount > 0 ? 'needs_cleanup' : 'clean';
    if (
      tier.state !== next.state ||
      tier.minorIssuesCount !== next.minorIssuesCount ||
      tier.majorIssuesCount !== next.majorIssuesCount ||
      tier.cleanliness !== cleanliness
    ) {
      Object.assign(tier, next, { cleanliness });
      changedTiers.push(tier);
    }
  }
  for (const tier of changedTiers) await writeChanges(manager, RunTier, tier);

  run.tokensUsed = sum(phases.map((p) => p.tokensUsed));
  run.minorIssuesCount = count(sum(phases.map((p) => p.minorIssuesCount)));
  run.majorIssuesCount = count(sum(phases.map((p) => p.majorIssuesCount)));

  const now = new Date();
  const next = deriveRunState(run, phases);
  // Set by the first phase to start; also when the run leaves RUN_CREATED by a skip, so that a run in
  // PHASE_EXECUTION always has a start time.
  if (!run.startedAt && (next === 'PHASE_EXECUTION' || phases.some((p) => p.startedAt))) run.startedAt = now;
  if (next !== run.state) {
    run.state = next;
    if (isRunFinished(next)) {
      run.completedAt = now;
      run.failureReason = failureReasonFor(next, run);
    }
  }
  await writeChanges(manager, Run, run);
  return run;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
/** Issue counts are int4 columns: they saturate at INT4_MAX instead of overflowing the column (a 500). */
const count = (value: number) => Math.min(value, INT4_MAX);
