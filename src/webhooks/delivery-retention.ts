import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExpiryScheduler } from '../approvals/expiry-scheduler';
import { AppConfig } from '../config/app-config';

const PRUNE_BATCH = 10_000;

/**
 * The delivery log is kept as long as the events it carries (`AUTOPACK_EVENTS_RETENTION_DAYS`): settled
 * deliveries (`succeeded`, `failed`) older than that are deleted on the expiry scheduler's sweep. Deliveries
 * still to be sent stay whatever their age (a disabled endpoint's backlog is sent if it is enabled again).
 */
@Injectable()
export class WebhookDeliveryRetention implements OnModuleInit {
  readonly kind = 'webhook_deliveries' as const;

  constructor(
    private readonly scheduler: ExpiryScheduler,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register(this);
  }

  async expireOverdue(manager: EntityManager): Promise<number> {
    const before = new Date(Date.now() - this.config.eventsRetentionDays * 24 * 3600_000);
    const [, count]: [unknown, number] = await manager.query(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE status IN ('succeeded', 'failed') AND created_at < $1
         LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`,
      [before],
    );
    return count;
  }
}
