/**
 * Every kind of request that expires, the one setting that governs it, and what expiry does. The owning
 * modules register their sweeps under these names with the ExpiryScheduler; the table in
 * docs/GOVERNANCE.md and docs/EXTERNAL_ACTIONS.md is generated from this list (`npm run contract`).
 */
export const EXPIRY_KINDS = {
  approval: {
    what: 'legacy approval request (`POST /approval/request`)',
    setting: 'APPROVAL_TIMEOUT_MINUTES',
    effect: '`pending` → `timeout` (never approved); audited `approval.timed_out`',
  },
  governance_request: {
    what: 'governance request (`POST /governance/requests`)',
    setting: 'APPROVAL_TIMEOUT_MINUTES',
    effect: '`pending` → `timeout` (never approved); audited `governance_request.timed_out`',
  },
  'external_action.approval': {
    what: 'external-action approval',
    setting: 'AUTOPACK_ACTION_APPROVAL_TTL_SECONDS',
    effect: '`APPROVED`/`FAILED` → `EXPIRED` (never executable); audited `action.expired`',
  },
  'external_action.lease': {
    what: 'external-action execution lease',
    setting: 'AUTOPACK_ACTION_LEASE_SECONDS',
    effect:
      '`EXECUTING` → `OUTCOME_UNKNOWN` (never re-executed; an operator reconciles); audited `action.outcome_unknown`',
  },
  events: {
    what: 'event log retention (`GET /events`, docs/EVENTS.md)',
    setting: 'AUTOPACK_EVENTS_RETENTION_DAYS',
    effect:
      'events older than the retention are deleted (up to 10,000 per sweep); the audit log is untouched',
  },
  webhook_deliveries: {
    what: 'webhook delivery log retention (`GET /webhooks/{webhook_id}/deliveries`)',
    setting: 'AUTOPACK_EVENTS_RETENTION_DAYS',
    effect:
      'settled deliveries (`succeeded`, `failed`) older than the retention are deleted (up to 10,000 per sweep); pending ones stay',
  },
  idempotency_keys: {
    what: 'stored `Idempotency-Key` responses of the executor writes (docs/WIRE_FORMAT.md)',
    setting: 'AUTOPACK_IDEMPOTENCY_KEY_TTL_HOURS',
    effect: 'deleted (up to 10,000 per sweep): the key may be used again, for any request',
  },
} as const;
export type ExpiryKind = keyof typeof EXPIRY_KINDS;

export function renderExpiryTable(intervalSeconds: number): string {
  return [
    `One scheduler sweeps every kind every ${intervalSeconds} s in every process (SKIP LOCKED: replicas share the work; one kind failing is logged and does not stop the others). Governance and approval requests are also expired before a read of one request and before every decision; the pending lists leave an overdue request out without writing.`,
    '',
    '| kind | what | setting | on expiry |',
    '|---|---|---|---|',
    ...Object.entries(EXPIRY_KINDS).map(
      ([kind, row]) => `| \`${kind}\` | ${row.what} | \`${row.setting}\` | ${row.effect} |`,
    ),
  ].join('\n');
}
