import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { EventView } from '../events/event-log.service';
import type { DeliveryStatus } from './delivery-lifecycle';

/** One event to one endpoint: the delivery log an admin reads, and the queue the dispatcher works. */
@Entity({ name: 'webhook_deliveries' })
@Index('IDX_webhook_deliveries_due', ['status', 'nextAttemptAt'])
@Index('IDX_webhook_deliveries_endpoint', ['endpointId', 'createdAt'])
@Index('UQ_webhook_deliveries_event', ['endpointId', 'eventCursor'], { unique: true })
export class WebhookDelivery {
  /** Also the `webhook-id` header: the same on every attempt, so receivers can de-duplicate. */
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @Column({ name: 'event_cursor', type: 'varchar', length: 64 })
  eventCursor: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  /** The event as the log shows it (already redacted, no payload). */
  @Column({ type: 'jsonb' })
  event: EventView;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** When the next attempt is due (pending), or when a claimed attempt's lease ends (sending). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 200, nullable: true })
  lastError: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
