import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BIGINT_AS_NUMBER } from '../database/column-transformers';
import type { EventSubjectType, EventType } from './event-types';

/**
 * One event of the log (the transactional outbox). `tx_id` is the writing transaction's id
 * (`pg_current_xact_id()`), set by the one writer (EventLogService.append): readers order by
 * `(tx_id, id)` and return only rows of transactions older than every transaction still in flight,
 * which is what makes the cursor never skip (docs/EVENTS.md).
 */
@Entity({ name: 'events' })
@Index('IDX_events_position', ['txId', 'id'], { unique: true })
@Index('IDX_events_created_at', ['createdAt'])
// A machine key's reads: its own events in cursor order.
@Index('IDX_events_owner_position', ['ownerPrincipalId', 'txId', 'id'])
export class EventRecord {
  /** node-postgres reads bigint as a string; the log's readers use raw SQL and convert themselves. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'tx_id', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  txId: number;

  @Column({ type: 'varchar', length: 64 })
  type: EventType;

  @Column({ name: 'subject_type', type: 'varchar', length: 32 })
  subjectType: EventSubjectType;

  @Column({ name: 'subject_id', type: 'varchar', length: 255 })
  subjectId: string;

  @Column({ name: 'run_id', type: 'varchar', length: 255, nullable: true })
  runId: string | null;

  /** The principal the runs visibility rule is applied to (`ownerFilterFor`), or `system`. */
  @Column({ name: 'owner_principal_id', type: 'varchar', length: 160 })
  ownerPrincipalId: string;

  @Column({ type: 'varchar', length: 500 })
  summary: string;

  /** A few ids and states, redacted; never a payload. */
  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

/** The newest position pruning has deleted (one row): cursors before it are gone (410). */
@Entity({ name: 'event_log_horizon' })
export class EventLogHorizon {
  @Column({ type: 'smallint', primary: true })
  id: number;

  @Column({ name: 'pruned_tx_id', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  prunedTxId: number;

  @Column({ name: 'pruned_id', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  prunedId: number;
}
