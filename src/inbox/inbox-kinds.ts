import { DECISION_REFUSALS } from '../approvals/decision-rules';

/** What can wait for a human: the three request kinds of docs/GOVERNANCE.md and docs/EXTERNAL_ACTIONS.md. */
export const INBOX_KINDS = ['approval', 'governance_request', 'external_action'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

/** Why you may not decide an item: the decision rules' reasons, or a role below the routes' `operator`. */
export const INBOX_REFUSALS = [...DECISION_REFUSALS, 'role_too_low'] as const;
export type InboxRefusalReason = (typeof INBOX_REFUSALS)[number];
