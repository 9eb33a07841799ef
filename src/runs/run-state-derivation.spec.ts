import { deriveRunState, deriveTierState, failureReasonFor } from './run-state-derivation';
import type { PhaseFacts } from './run-state-derivation';
import type { PhaseState } from './run-states';

const phases = (...states: PhaseState[]): PhaseFacts[] =>
  states.map((state) => ({ state, qualityBlocked: false }));
const run = { state: 'RUN_CREATED' as const, tokensUsed: 0, tokenCap: 100 };

describe('tier state', () => {
  it.each([
    [[], 'PENDING'],
    [['QUEUED', 'QUEUED'], 'PENDING'],
    [['EXECUTING', 'QUEUED'], 'IN_PROGRESS'],
    [['COMPLETE', 'QUEUED'], 'IN_PROGRESS'],
    [['FAILED', 'QUEUED'], 'IN_PROGRESS'],
    [['COMPLETE', 'SKIPPED'], 'COMPLETE'],
    [['SKIPPED', 'SKIPPED'], 'SKIPPED'],
    [['COMPLETE', 'FAILED'], 'FAILED'],
  ] as Array<[PhaseState[], string]>)('%j → %s', (states, expected) => {
    expect(deriveTierState(phases(...states))).toBe(expected);
  });
});

describe('run state', () => {
  it('stays as created until a phase leaves QUEUED, then executes', () => {
    expect(deriveRunState(run, phases('QUEUED', 'QUEUED'))).toBe('RUN_CREATED');
    expect(deriveRunState(run, phases('EXECUTING', 'QUEUED'))).toBe('PHASE_EXECUTION');
    expect(deriveRunState(run, [])).toBe('RUN_CREATED');
  });

  it('is done when every phase is final', () => {
    expect(deriveRunState(run, phases('COMPLETE', 'SKIPPED'))).toBe('DONE_SUCCESS');
    expect(deriveRunState(run, phases('COMPLETE', 'FAILED'))).toBe('DONE_FAILED_REQUIRES_HUMAN_REVIEW');
    expect(deriveRunState(run, [{ state: 'FAILED', qualityBlocked: true }])).toBe(
      'DONE_FAILED_POLICY_VIOLATION',
    );
  });

  it('past the token cap the budget is exhausted, whatever the phases say', () => {
    const over = { ...run, tokensUsed: 101 };
    expect(deriveRunState(over, phases('EXECUTING'))).toBe('DONE_FAILED_BUDGET_EXHAUSTED');
    expect(deriveRunState(over, phases('COMPLETE'))).toBe('DONE_FAILED_BUDGET_EXHAUSTED');
    expect(deriveRunState({ ...run, tokensUsed: 100 }, phases('EXECUTING'))).toBe('PHASE_EXECUTION');
    expect(failureReasonFor('DONE_FAILED_BUDGET_EXHAUSTED', over)).toMatch(/101 tokens used, cap 100/);
  });

  it('a finished run never changes', () => {
    const done = { ...run, state: 'DONE_SUCCESS' as const, tokensUsed: 1_000 };
    expect(deriveRunState(done, phases('QUEUED'))).toBe('DONE_SUCCESS');
    expect(failureReasonFor('DONE_SUCCESS', done)).toBeNull();
  });
});
