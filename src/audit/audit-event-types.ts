/**
 * What an audit event can be about. A module that records events about a new kind of thing adds it here,
 * so the readers' `subject_type` filter has a closed, documented list.
 */
export const AUDIT_SUBJECT_TYPES = [
  'run',
  'phase',
  'approval',
  'governance_request',
  'action',
  'credential',
  'api_key',
  'user',
  'session',
  'kill_switch',
  'spend_cap',
  'webhook',
  'system',
] as const;
export type AuditSubjectType = (typeof AUDIT_SUBJECT_TYPES)[number];

/** `<area>.<what_happened>`, lowercase: `api_key.created`, `action.approved`, `credential.rotated`. */
export const AUDIT_EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
export const AUDIT_EVENT_TYPE_MAX_LENGTH = 64;
