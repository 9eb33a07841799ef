/**
 * Every event type the log holds, with what it means. The one list: the `types` filters are validated
 * against it (422 naming unknown ones), webhooks subscribe to it and docs/EVENTS.md describes it.
 */
export const EVENT_TYPES = {
  'run.started': 'a run was created (`POST /runs/start`)',
  'run.state_changed': "a run's derived state changed (`data.from`, `data.to`)",
  'run.cancelled':
    'an operator cancelled the run (`data.reason`, `data.cancelled_by`, withdrawn requests, cancelled and still-executing actions)',
  'run.token_cap_changed': "an operator changed a run's token cap (`data.from`, `data.to`)",
  'phase.state_changed': "a phase's state changed (`data.from`, `data.to`)",
  'phase.builder_result_recorded': 'a builder result was recorded (`data.status`, `data.result_id`)',
  'phase.auditor_result_recorded': 'an auditor result was recorded (`data.recommendation`, `data.result_id`)',
  'run.issue_recorded': 'an issue (occurrence) was recorded (`data.issue_key`, `data.severity`)',
  'run.error_recorded': 'an executor error report was stored (`data.error_type`, `data.report_id`)',
  'approval.requested': 'a legacy approval request was made (`data.status`: `pending` or `approved`)',
  'approval.decided': 'an approval request was approved or rejected (`data.status`, `data.automatic`)',
  'approval.expired': 'an approval request timed out (never approved)',
  'approval.expiring': 'a pending approval request expires soon (`data.expires_at`)',
  'governance_request.created': 'a governance request was made (`data.status`)',
  'governance_request.decided': 'a governance request was approved or rejected (`data.status`)',
  'governance_request.expired': 'a governance request timed out (never approved)',
  'governance_request.expiring': 'a pending governance request expires soon (`data.expires_at`)',
  'action.proposed': 'an external action was proposed (`data.status`, `data.tier`)',
  'action.approval_recorded': 'one approval of an action was recorded (more are needed)',
  'action.approved': 'an action is approved and may be claimed',
  'action.rejected': 'an action was rejected',
  'action.claimed': 'an executor claimed an action (`data.dry_run`)',
  'action.claim_denied': 'a claim was refused (`data.reason`)',
  'action.completed': 'an execution succeeded',
  'action.failed': 'an execution failed',
  'action.outcome_unknown': 'a lease ran out before a report: an operator must reconcile',
  'action.reconciled': 'an operator reconciled an execution (`data.result_status`)',
  'action.cancelled': 'an action was cancelled',
  'action.expired': "an action's approval expired before it was executed",
  'action.expiring': "an approved action's approval expires soon (`data.expires_at`)",
  'credential.health_changed': "a provider credential's health changed (`data.from`, `data.to`)",
  'webhook.disabled':
    'the server disabled a webhook endpoint (`data.reason`: 410, or too many failures in a row)',
} as const;

export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

/** What an event is about. */
export const EVENT_SUBJECT_TYPES = [
  'run',
  'phase',
  'approval',
  'governance_request',
  'action',
  'credential',
  'webhook',
] as const;
export type EventSubjectType = (typeof EVENT_SUBJECT_TYPES)[number];

/**
 * The owner of events about shared things (provider credentials): no principal owns them, so only those
 * who see every run (admins, operators and up) see them — never a machine key that is not the instance key.
 */
export const SYSTEM_OWNER = 'system';

/** The table of docs/EVENTS.md (`npm run contract`). */
export function renderEventTypesTable(): string {
  return [
    '| type | subject | when |',
    '|---|---|---|',
    ...Object.entries(EVENT_TYPES).map(([type, when]) => {
      const area = type.slice(0, type.indexOf('.'));
      const subject =
        area === 'run' && type !== 'run.issue_recorded' ? 'run' : area === 'run' ? 'phase' : area;
      return `| \`${type}\` | \`${subject}\` | ${when} |`;
    }),
  ].join('\n');
}
