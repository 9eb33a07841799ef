import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { BIGINT_AS_NUMBER } from '../database/column-transformers';
import type { EventType } from '../events/event-types';

export const WEBHOOK_KINDS = ['standard', 'slack', 'telegram'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

/**
 * An admin-managed webhook endpoint. Its URL (Slack and Telegram URLs are secrets: they carry the
 * channel's or the bot's token) and its signing secrets are sealed with the credentials key; responses
 * show a hint only. `cursor_*` is the position in the event log up to which deliveries were queued.
 */
@Entity({ name: 'webhook_endpoints' })
// The admin list in keyset order (GET /webhooks).
@Index('IDX_webhook_endpoints_created_at_id', ['createdAt', 'id'])
export class WebhookEndpoint {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  kind: WebhookKind;

  @Column({ name: 'url_enc', type: 'bytea' })
  urlEnc: Buffer;

  /** `https://hooks.slack.com/…XXXX`: enough to recognise it, nothing to use. */
  @Column({ name: 'url_hint', type: 'varchar', length: 300 })
  urlHint: string;

  @Column({ name: 'telegram_chat_id', type: 'varchar', length: 64, nullable: true })
  telegramChatId: string | null;

  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes: EventType[];

  @Column({ type: 'boolean' })
  enabled: boolean;

  /** Why the server disabled it (410, too many failures); null when an admin did or it is enabled. */
  @Column({ name: 'disabled_reason', type: 'varchar', length: 200, nullable: true })
  disabledReason: string | null;

  @Column({ name: 'secret_enc', type: 'bytea' })
  secretEnc: Buffer;

  /** The secret before the last rotation: deliveries carry both signatures until it expires. */
  @Column({ name: 'previous_secret_enc', type: 'bytea', nullable: true })
  previousSecretEnc: Buffer | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'cursor_tx_id', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  cursorTxId: number;

  @Column({ name: 'cursor_id', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  cursorId: number;

  @Column({ name: 'created_by', type: 'varchar', length: 160 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
