import { createHash } from 'node:crypto';
import { canonicalJson, JsonValue } from '../canonical-json/canonical-json';

/** The `prev_hash` of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Everything an event's hash covers: every column but `hash`, by its column name. */
export interface HashedAuditFields {
  position: number;
  event_id: string;
  /** ISO-8601 UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  occurred_at: string;
  event_type: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  subject_type: string;
  subject_id: string;
  run_id: string | null;
  phase_id: string | null;
  details: { [key: string]: JsonValue };
  request_id: string | null;
  prev_hash: string;
}

/** `hash = hex(sha256(prev_hash ‖ JCS(event without hash)))`, both parts as UTF-8. */
export function computeAuditHash(fields: HashedAuditFields): string {
  return createHash('sha256')
    .update(fields.prev_hash, 'utf8')
    .update(canonicalJson(fields), 'utf8')
    .digest('hex');
}
