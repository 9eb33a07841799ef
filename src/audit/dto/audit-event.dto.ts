import type { JsonValue } from '../../canonical-json/canonical-json';

export class AuditActorDto {
  /** `user`, `api_key`, `anonymous` or `system`. */
  kind: string;
  /** `user:<uuid>`, `apikey:<uuid>`, `apikey:instance`, `system:<job>`. */
  id: string;
  /** Username, key name or job name, as it was when the event happened. */
  name: string;
}

export class AuditSubjectDto {
  /** `run`, `approval`, `action`, `credential`, `api_key`, `user` … */
  type: string;
  id: string;
}

export class AuditEventDto {
  /** Place in the hash chain: 1, 2, 3 … without gaps. */
  position: number;
  event_id: string;
  /** ISO-8601 UTC, millisecond precision. */
  occurred_at: string;
  /** `<area>.<what_happened>`, e.g. `api_key.created`. */
  event_type: string;
  actor: AuditActorDto;
  subject: AuditSubjectDto;
  run_id: string | null;
  phase_id: string | null;
  /** Event-specific facts; secrets were replaced by `[REDACTED:<rule>]` before storage. */
  details: Record<string, JsonValue>;
  /** The `X-Request-ID` of the request that caused the event; null for system events. */
  request_id: string | null;
  /** `hash` of the previous event (64 zeros for the first). */
  prev_hash: string;
  /** sha256(prev_hash ‖ RFC 8785 JSON of the event without `hash`), hex. */
  hash: string;
}

export class AuditEventPageDto {
  /** Newest first. */
  events: AuditEventDto[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}
