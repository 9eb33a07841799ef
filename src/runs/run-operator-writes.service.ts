import { ConflictException, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { EventLogService } from '../events/event-log.service';
import { writeChanges } from '../database/write-changes';
import { RunPhase } from './entities/run-phase.entity';
import { Run } from './entities/run.entity';
import { canRetry } from './phase-state-machine';
import { findPhaseOf, lockRunForWrite, runClosed, settleRun } from './run-ledger';
import { isRunFinished, RETRYABLE_RUN_STATES } from './run-states';
import type { RunConflictCode, RunState } from './run-states';

/**
 * The operator's writes to a run (run-control module: cancel, retry a phase, raise the budget), each
 * inside the caller's transaction, which also carries their audit events. Executors never reach these.
 */
@Injectable()
export class RunOperatorWritesService {
  constructor(private readonly events: EventLogService) {}

  /** Locks the run for an operator's change, finished or not (operators see every run); 404 if missing. */
  lock(manager: EntityManager, runId: string, principal: Principal): Promise<Run> {
    return lockRunForWrite(manager, runId, principal, { allowFinished: true });
  }

  /** Stops a run that is not finished: 409 `run_cancelled` / `run_finished` otherwise. */
  async cancel(manager: EntityManager, run: Run, principal: Principal, reason: string): Promise<Run> {
    if (isRunFinished(run.state)) throw runClosed(run);
    const from = run.state;
    const now = new Date();
    run.state = 'CANCELLED';
    run.completedAt = now;
    run.failureReason = `cancelled by ${principal.name}: ${reason}`.slice(0, 2000);
    run.cancelledBy = principal.id;
    run.cancelledAt = now;
    run.cancelReason = reason;
    await writeChanges(manager, Run, run);
    await this.stateChanged(manager, run, from);
    return run;
  }

  /**
   * A FAILED phase back to QUEUED with its attempt counter incremented; a run that finished because of
   * it reopens (PHASE_EXECUTION, then re-derived). 409 with a `code` in every other case.
   */
  async retryPhase(
    manager: EntityManager,
    run: Run,
    phaseId: string,
  ): Promise<{ run: Run; phase: RunPhase }> {
    if (run.state === 'CANCELLED' || run.state === 'DONE_SUCCESS') throw runClosed(run);
    if (run.state === 'DONE_FAILED_BUDGET_EXHAUSTED') {
      throw conflict(
        `Run "${run.id}" is out of budget (${run.tokensUsed} of ${run.tokenCap} tokens): raise token_cap with PATCH /runs/${run.id} first`,
        'budget_exhausted',
      );
    }
    const phase = await findPhaseOf(manager, run, phaseId);
    if (!canRetry(phase.state)) {
      throw conflict(
        `Phase "${phase.phaseId}" is ${phase.state}; only a FAILED phase can be retried`,
        'phase_not_failed',
      );
    }
    phase.state = 'QUEUED';
    phase.attempt += 1;
    phase.completedAt = null;
    await writeChanges(manager, RunPhase, phase);
    await this.events.append(manager, {
      type: 'phase.state_changed',
      subject: { type: 'phase', id: `${run.id}/${phase.phaseId}` },
      runId: run.id,
      owner: run.ownerPrincipalId,
      summary: `Run ${run.id} phase ${phase.phaseId}: retried by an operator (attempt ${phase.attempt})`,
      data: { phase_id: phase.phaseId, from: 'FAILED', to: 'QUEUED', attempt: phase.attempt, retried: true },
    });
    return { run: await this.reopenAndSettle(manager, run), phase };
  }

  /**
   * A new token cap, at least what the run has used. The only way out of DONE_FAILED_BUDGET_EXHAUSTED:
   * such a run reopens under the new cap (and is re-derived from its phases).
   */
  async setTokenCap(manager: EntityManager, run: Run, tokenCap: number): Promise<{ run: Run; from: number }> {
    if (isRunFinished(run.state) && run.state !== 'DONE_FAILED_BUDGET_EXHAUSTED') throw runClosed(run);
    if (tokenCap < run.tokensUsed) {
      throw conflict(
        `token_cap ${tokenCap} is below the ${run.tokensUsed} tokens run "${run.id}" has already used`,
        'budget_exhausted',
      );
    }
    const from = run.tokenCap;
    run.tokenCap = tokenCap;
    if (run.state === 'DONE_FAILED_BUDGET_EXHAUSTED') {
      if (tokenCap === run.tokensUsed) {
        throw conflict(
          `token_cap must exceed the ${run.tokensUsed} tokens already used to reopen the run`,
          'budget_exhausted',
        );
      }
      return { run: await this.reopenAndSettle(manager, run), from };
    }
    return { run: await settleRun(manager, run), from };
  }

  private async reopenAndSettle(manager: EntityManager, run: Run): Promise<Run> {
    const from = run.state;
    if (RETRYABLE_RUN_STATES.includes(run.state) || run.state === 'DONE_FAILED_BUDGET_EXHAUSTED') {
      run.state = 'PHASE_EXECUTION';
      run.completedAt = null;
      run.failureReason = null;
    }
    const settled = await settleRun(manager, run);
    await this.stateChanged(manager, settled, from);
    return settled;
  }

  private async stateChanged(manager: EntityManager, run: Run, from: RunState): Promise<void> {
    if (run.state === from) return;
    await this.events.append(manager, {
      type: 'run.state_changed',
      subject: { type: 'run', id: run.id },
      runId: run.id,
      owner: run.ownerPrincipalId,
      summary: `Run ${run.id} moved from ${from} to ${run.state}`,
      data: { from, to: run.state, failure_reason: run.failureReason ?? null },
    });
  }
}

const conflict = (message: string, code: RunConflictCode) => new ConflictException({ message, code });
