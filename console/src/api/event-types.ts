import type { components } from './schema';

/** An event type of the log (the contract's enum; docs/EVENTS.md). */
export type EventType = components['schemas']['CreateWebhookDto']['event_types'][number];

/** Every event type, for the live stream's listeners and the webhook form. */
export const EVENT_TYPES = [
  'action.proposed',
  'action.approval_recorded',
  'action.approved',
  'action.rejected',
  'action.claimed',
  'action.claim_denied',
  'action.completed',
  'action.failed',
  'action.outcome_unknown',
  'action.reconciled',
  'action.cancelled',
  'action.expired',
  'action.expiring',
  'approval.requested',
  'approval.decided',
  'approval.expired',
  'approval.expiring',
  'governance_request.created',
  'governance_request.decided',
  'governance_request.expired',
  'governance_request.expiring',
  'run.started',
  'run.state_changed',
  'run.cancelled',
  'run.token_cap_changed',
  'run.issue_recorded',
  'run.error_recorded',
  'phase.state_changed',
  'phase.builder_result_recorded',
  'phase.auditor_result_recorded',
  'credential.health_changed',
  'webhook.disabled',
] as const satisfies readonly EventType[];

// A type the contract gains and this list lacks fails the console's type check here.
type Missing = Exclude<EventType, (typeof EVENT_TYPES)[number]>;
export const EVENT_TYPES_COMPLETE: [Missing] extends [never] ? true : never = true;
