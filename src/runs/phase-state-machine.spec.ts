import {
  allowedNextStates,
  canRetry,
  canTransition,
  isPhaseTerminal,
  OPERATOR_RETRY,
  PHASE_TRANSITIONS,
} from './phase-state-machine';
import { PHASE_STATES } from './run-states';

describe('the phase state machine', () => {
  it('covers every phase state', () => {
    expect(Object.keys(PHASE_TRANSITIONS).sort()).toEqual([...PHASE_STATES].sort());
  });

  it.each([
    ['QUEUED', 'EXECUTING'],
    ['QUEUED', 'SKIPPED'],
    ['EXECUTING', 'GATE'],
    ['EXECUTING', 'CI_RUNNING'],
    ['EXECUTING', 'COMPLETE'],
    ['EXECUTING', 'FAILED'],
    ['GATE', 'EXECUTING'],
    ['CI_RUNNING', 'EXECUTING'],
    ['EXECUTING', 'EXECUTING'],
  ] as const)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['QUEUED', 'COMPLETE'],
    ['QUEUED', 'GATE'],
    ['QUEUED', 'FAILED'],
    ['EXECUTING', 'QUEUED'],
    ['EXECUTING', 'SKIPPED'],
    ['COMPLETE', 'EXECUTING'],
    ['COMPLETE', 'COMPLETE'],
    ['FAILED', 'EXECUTING'],
    ['SKIPPED', 'QUEUED'],
  ] as const)('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('terminal states allow nothing, not even themselves', () => {
    for (const state of ['COMPLETE', 'FAILED', 'SKIPPED'] as const) {
      expect(isPhaseTerminal(state)).toBe(true);
      expect(allowedNextStates(state)).toEqual([]);
    }
    expect(allowedNextStates('QUEUED')).toEqual(['QUEUED', 'EXECUTING', 'SKIPPED']);
  });

  it('only an operator retry reopens a phase, and only a FAILED one (back to QUEUED)', () => {
    expect(OPERATOR_RETRY).toEqual({ from: 'FAILED', to: 'QUEUED' });
    for (const state of PHASE_STATES) expect(canRetry(state)).toBe(state === 'FAILED');
    // The executor's table still refuses it.
    expect(canTransition('FAILED', 'QUEUED')).toBe(false);
  });
});
