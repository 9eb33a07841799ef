import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { JsonValue } from '../../canonical-json/canonical-json';

/** PostgreSQL returns bigint as a string; positions stay far below 2^53, so a number is exact. */
const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * One audit event: a link of the hash chain. Rows are only ever inserted (by AuditService, under the
 * chain-head lock); a trigger created by the migration rejects UPDATE, DELETE and TRUNCATE.
 */
@Entity({ name: 'audit_events' })
@Index(['eventType', 'position'])
@Index(['subjectType', 'subjectId', 'position'])
@Index(['actorId', 'position'])
@Index(['runId', 'position'])
@Index(['occurredAt'])
export class AuditEvent {
  /** 1, 2, 3 … without gaps: the chain order, and what makes a deleted row visible. */
  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber })
  position: number;

  @Index({ unique: true })
  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  /** Millisecond precision, so the value read back is exactly the one that was hashed. */
  @Column({ name: 'occurred_at', type: 'timestamptz', precision: 3 })
  occurredAt: Date;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  @Column({ name: 'actor_kind', type: 'varchar', length: 16 })
  actorKind: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId: string;

  /** The username of a human, the name of a key; as it was when the event happened. */
  @Column({ name: 'actor_name', type: 'text' })
  actorName: string;

  @Column({ name: 'subject_type', type: 'varchar', length: 32 })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId: string;

  @Column({ name: 'run_id', type: 'text', nullable: true })
  runId: string | null;

  @Column({ name: 'phase_id', type: 'text', nullable: true })
  phaseId: string | null;

  /** Always a JSON object, already through the redactor. */
  @Column({ type: 'jsonb' })
  details: { [key: string]: JsonValue };

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  /** Unique: two events naming the same predecessor would be a fork, which the database itself refuses. */
  @Index({ unique: true })
  @Column({ name: 'prev_hash', type: 'char', length: 64 })
  prevHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}
