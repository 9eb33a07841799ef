import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACTION_EVENTS,
  ACTION_TRANSITIONS,
  canApply,
  ForbiddenTransitionError,
  nextStatus,
  renderLifecycleDiagram,
  statusesAccepting,
  TRANSITION_AUDIT_TYPE,
} from './action-lifecycle';
import type { ActionEvent } from './action-lifecycle';
import { ACTION_STATUSES } from './external-action.entity';
import type { ActionStatus } from './external-action.entity';

/** Every allowed transition, written out independently of the table it checks. */
const ALLOWED: Array<[ActionStatus, ActionEvent, ActionStatus]> = [
  ['PENDING', 'approve', 'APPROVED'],
  ['PENDING', 'reject', 'REJECTED'],
  ['PENDING', 'cancel', 'CANCELLED'],
  ['APPROVED', 'claim_live', 'EXECUTING'],
  ['APPROVED', 'claim_dry_run', 'DRY_RUN'],
  ['APPROVED', 'approval_expired', 'EXPIRED'],
  ['APPROVED', 'cancel', 'CANCELLED'],
  ['FAILED', 'claim_live', 'EXECUTING'],
  ['FAILED', 'claim_dry_run', 'DRY_RUN'],
  ['FAILED', 'approval_expired', 'EXPIRED'],
  ['FAILED', 'cancel', 'CANCELLED'],
  ['EXECUTING', 'report_success', 'COMPLETED'],
  ['EXECUTING', 'report_failure', 'FAILED'],
  ['EXECUTING', 'lease_expired', 'OUTCOME_UNKNOWN'],
  ['OUTCOME_UNKNOWN', 'reconcile_success', 'COMPLETED'],
  ['OUTCOME_UNKNOWN', 'reconcile_failure', 'FAILED'],
];
const allowed = new Set(ALLOWED.map(([from, event]) => `${from}:${event}`));
const FORBIDDEN = ACTION_STATUSES.flatMap((from) =>
  ACTION_EVENTS.filter((event) => !allowed.has(`${from}:${event}`)).map((event) => [from, event] as const),
);

describe('the external-action lifecycle', () => {
  it('covers every status', () => {
    expect(Object.keys(ACTION_TRANSITIONS).sort()).toEqual([...ACTION_STATUSES].sort());
  });

  it.each(ALLOWED)('allows %s --%s--> %s', (from, event, to) => {
    expect(canApply(from, event)).toBe(true);
    expect(nextStatus(from, event)).toBe(to);
  });

  it(`refuses every other (status, event) pair: ${ACTION_STATUSES.length * ACTION_EVENTS.length - ALLOWED.length} of them`, () => {
    expect(FORBIDDEN.length + ALLOWED.length).toBe(ACTION_STATUSES.length * ACTION_EVENTS.length);
  });

  it.each(FORBIDDEN)('refuses %s --%s-->', (from, event) => {
    expect(canApply(from, event)).toBe(false);
    expect(() => nextStatus(from, event)).toThrow(ForbiddenTransitionError);
  });

  it('final statuses accept nothing', () => {
    for (const status of ['REJECTED', 'COMPLETED', 'DRY_RUN', 'CANCELLED', 'EXPIRED'] as const) {
      expect(ACTION_EVENTS.filter((event) => canApply(status, event))).toEqual([]);
    }
  });

  it('never leads back to PENDING, and never out of EXECUTING except by outcome or lease expiry', () => {
    for (const [, , to] of ALLOWED) expect(to).not.toBe('PENDING');
    expect(ACTION_EVENTS.filter((event) => canApply('EXECUTING', event))).toEqual([
      'lease_expired',
      'report_success',
      'report_failure',
    ]);
  });

  it('cancels only what is neither running nor final', () => {
    expect(statusesAccepting('cancel')).toEqual(['PENDING', 'APPROVED', 'FAILED']);
  });

  it('names an audit event for every event', () => {
    for (const event of ACTION_EVENTS) expect(TRANSITION_AUDIT_TYPE[event]).toMatch(/^action\.[a-z_]+$/);
  });

  it('docs/EXTERNAL_ACTIONS.md shows the diagram of this table', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'EXTERNAL_ACTIONS.md'), 'utf8');
    const begin = '<!-- BEGIN GENERATED: action-lifecycle (npm run contract; do not edit by hand) -->';
    const block = doc.slice(
      doc.indexOf(begin) + begin.length,
      doc.indexOf('<!-- END GENERATED: action-lifecycle -->'),
    );
    if (block.trim() !== renderLifecycleDiagram()) {
      throw new Error(
        'The lifecycle diagram in docs/EXTERNAL_ACTIONS.md differs from ACTION_TRANSITIONS: run `npm run contract`',
      );
    }
  });
});
