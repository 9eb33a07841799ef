import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ExpiryScheduler } from '../approvals/expiry-scheduler';
import type { OverdueSweep } from '../approvals/expiry-scheduler';

const PRUNE_BATCH = 10_000;

/** Deletes stored Idempotency-Key responses past their window, on the one expiry scheduler's interval. */
@Injectable()
export class IdempotencyKeysPruner implements OnModuleInit, OverdueSweep {
  readonly kind = 'idempotency_keys' as const;

  constructor(private readonly scheduler: ExpiryScheduler) {}

  onModuleInit(): void {
    this.scheduler.register(this);
  }

  /** A bounded delete; rows another replica's sweep (or a write reusing the key) holds are skipped. */
  async expireOverdue(manager: EntityManager): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      `DELETE FROM idempotency_keys WHERE (principal_id, key) IN (
         SELECT principal_id, key FROM idempotency_keys WHERE expires_at <= now()
         ORDER BY expires_at LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`,
    );
    return count;
  }
}
