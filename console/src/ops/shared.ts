import { useEffect } from 'preact/hooks';
import type { components } from '../api/schema';

export type RunState = components['schemas']['RunSummaryDto']['state'];

export const RUN_STATES: RunState[] = [
  'RUN_CREATED',
  'PLAN_BOOTSTRAP',
  'QUEUED',
  'PHASE_QUEUEING',
  'PHASE_EXECUTION',
  'GATE',
  'CI_RUNNING',
  'SNAPSHOT_CREATED',
  'DONE_SUCCESS',
  'DONE_FAILED_BUDGET_EXHAUSTED',
  'DONE_FAILED_ENVIRONMENT',
  'DONE_FAILED_POLICY_VIOLATION',
  'DONE_FAILED_REQUIRES_HUMAN_REVIEW',
  'CANCELLED',
];

/** A state as people read it: `DONE_FAILED_POLICY_VIOLATION` → "done failed policy violation". */
export const humanState = (state: string): string => state.toLowerCase().replace(/_/g, ' ');

/** The colour family of a run, tier or phase state (a class, so the page's CSP holds). */
export function stateTone(state: string): string {
  if (state === 'DONE_SUCCESS' || state === 'COMPLETE') return 'tone-ok';
  if (state.startsWith('DONE_FAILED') || state === 'FAILED') return 'tone-bad';
  if (state === 'CANCELLED' || state === 'SKIPPED') return 'tone-muted';
  if (state === 'QUEUED' || state === 'PENDING' || state === 'RUN_CREATED') return 'tone-idle';
  return 'tone-busy';
}

export const isFinished = (state: string): boolean => state.startsWith('DONE_') || state === 'CANCELLED';

/** `1234` cents → "$12.34". */
export const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

/** "1.2 KB" */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Autopack`;
  }, [title]);
}
