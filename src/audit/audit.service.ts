import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { JsonValue } from '../canonical-json/canonical-json';
import { redactJson } from '../redaction/redactor';
import type { AuditActor, AuditContext } from './audit-context';
import {
  AUDIT_EVENT_TYPE_MAX_LENGTH,
  AUDIT_EVENT_TYPE_PATTERN,
  AUDIT_SUBJECT_TYPES,
  AuditSubjectType,
} from './audit-event-types';
import { computeAuditHash, HashedAuditFields } from './audit-hash';

/** One event as a module describes it; the service adds id, time, position and hashes. */
export interface AuditEventInput extends AuditContext {
  /** `<area>.<what_happened>`, e.g. `api_key.created` (see AUDIT_EVENT_TYPE_PATTERN). */
  type: string;
  subject: { type: AuditSubjectType; id: string };
  runId?: string | null;
  phaseId?: string | null;
  /** Any JSON-serialisable object; secrets are redacted before it is stored or hashed. */
  details?: object;
}

/** What was written: enough to reference the event or show its place in the chain. */
export interface RecordedAuditEvent {
  eventId: string;
  position: number;
  occurredAt: Date;
  hash: string;
  /** How many secrets the redactor replaced in `details`. */
  redactions: number;
}

/** A programming error in how an event was described. It fails the caller's transaction like any other. */
export class AuditEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditEventError';
  }
}

const AUDIT_ACTOR_KINDS: ReadonlyArray<AuditActor['kind']> = ['user', 'api_key', 'anonymous', 'system'];

/** Characters PostgreSQL text and jsonb cannot hold (NUL) or RFC 8785 cannot hash (lone surrogates). */
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const storable = (text: string) => text.replace(UNSTORABLE, '\uFFFD');

/** `storable` applied to every string and key of a parsed JSON value. */
function storableJson(value: JsonValue): JsonValue {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: JsonValue } = {};
  for (const [key, member] of Object.entries(value)) {
    // defineProperty, not assignment: a "__proto__" key must stay a plain member.
    Object.defineProperty(out, storable(key), {
      value: storableJson(member),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Appends events to the hash-chained audit log. The one way any module records a decision.
 *
 * `record` runs inside the caller's transaction, so the event and the change it records commit or roll
 * back together; if the append fails, the caller's transaction fails (fail closed). It takes the chain
 * head's row lock, which every appender in every process waits for, so the chain never forks; the lock is
 * held until the caller commits, so record the event as the transaction's last statement.
 */
@Injectable()
export class AuditService {
  async record(manager: EntityManager, event: AuditEventInput): Promise<RecordedAuditEvent> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new AuditEventError(
        'AuditService.record needs the EntityManager of an open transaction (dataSource.transaction(manager => …))',
      );
    }
    let described: ReturnType<AuditService['describe']>;
    try {
      described = this.describe(event);
    } catch (error) {
      // A caller that swallowed this error must still not commit its change without the event: abort the
      // transaction in PostgreSQL, as a failed INSERT would have (its COMMIT then becomes a ROLLBACK).
      await manager
        .query(`DO $$ BEGIN RAISE EXCEPTION 'audit event refused; this transaction cannot commit'; END $$`)
        .catch(() => undefined);
      throw error;
    }

    const heads: Array<{ position: string; hash: string }> = await manager.query(
      'SELECT position, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE',
    );
    if (heads.length !== 1) throw new AuditEventError('the audit chain head row is missing');

    const fields: HashedAuditFields = {
      ...described.fields,
      position: Number(heads[0].position) + 1,
      // Taken under the lock, so time order follows chain order within one clock.
      occurred_at: new Date().toISOString(),
      prev_hash: heads[0].hash,
    };
    const hash = computeAuditHash(fields);

    // One round trip for the insert and the head move; the head lock is already ours.
    await manager.query(
      `WITH appended AS (
         INSERT INTO audit_events (position, event_id, occurred_at, event_type, actor_kind, actor_id,
           actor_name, subject_type, subject_id, run_id, phase_id, details, request_id, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15)
         RETURNING position, hash
       )
       UPDATE audit_chain_head SET position = appended.position, hash = appended.hash
       FROM appended WHERE audit_chain_head.id = 1`,
      [
        fields.position,
        fields.event_id,
        fields.occurred_at,
        fields.event_type,
        fields.actor_kind,
        fields.actor_id,
        fields.actor_name,
        fields.subject_type,
        fields.subject_id,
        fields.run_id,
        fields.phase_id,
        JSON.stringify(fields.details),
        fields.request_id,
        fields.prev_hash,
        hash,
      ],
    );

    return {
      eventId: fields.event_id,
      position: fields.position,
      occurredAt: new Date(fields.occurred_at),
      hash,
      redactions: described.redactions,
    };
  }

  /** Validates the input and turns it into the stored fields that do not depend on the chain. */
  private describe(event: AuditEventInput): {
    fields: Omit<HashedAuditFields, 'position' | 'occurred_at' | 'prev_hash'>;
    redactions: number;
  } {
    if (
      typeof event.type !== 'string' ||
      event.type.length > AUDIT_EVENT_TYPE_MAX_LENGTH ||
      !AUDIT_EVENT_TYPE_PATTERN.test(event.type)
    ) {
      throw new AuditEventError(`"${String(event.type)}" is not an audit event type (area.what_happened)`);
    }
    if (!AUDIT_SUBJECT_TYPES.includes(event.subject?.type)) {
      throw new AuditEventError(`"${String(event.subject?.type)}" is not an audit subject type`);
    }
    if (!AUDIT_ACTOR_KINDS.includes(event.actor?.kind)) {
      throw new AuditEventError(`"${String(event.actor?.kind)}" is not an audit actor kind`);
    }
    for (const [name, value] of Object.entries({
      'subject.id': event.subject.id,
      'actor.id': event.actor.id,
    })) {
      if (typeof value !== 'string' || value.length === 0) {
        throw new AuditEventError(`an audit event needs ${name}`);
      }
    }

    const details = this.toJsonObject(event.details ?? {});
    const redacted = redactJson(details) as { value: { [key: string]: JsonValue }; count: number };
    const optional = (value: string | null | undefined) => (value == null ? null : storable(value));
    return {
      fields: {
        event_id: randomUUID(),
        event_type: event.type,
        actor_kind: event.actor.kind,
        actor_id: storable(event.actor.id),
        actor_name: storable(event.actor.name ?? ''),
        subject_type: event.subject.type,
        subject_id: storable(event.subject.id),
        run_id: optional(event.runId),
        phase_id: optional(event.phaseId),
        details: redacted.value,
        request_id: optional(event.requestId),
      },
      redactions: redacted.count,
    };
  }

  /**
   * The JSON form of `details`, exactly as it will read back from jsonb: dates become ISO strings,
   * undefined members disappear, and characters PostgreSQL cannot store become U+FFFD.
   */
  private toJsonObject(details: object): { [key: string]: JsonValue } {
    let json: string | undefined;
    try {
      json = JSON.stringify(details);
    } catch (error) {
      throw new AuditEventError(`audit details are not JSON-serialisable (${(error as Error).message})`);
    }
    const parsed = json === undefined ? undefined : storableJson(JSON.parse(json) as JsonValue);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new AuditEventError('audit details must be a JSON object');
    }
    return parsed;
  }
}
