import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { DataSource } from 'typeorm';

const SWEEP_INTERVAL_MS = 60_000;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Throttler storage kept in PostgreSQL so that every replica counts against the same budget.
 * One atomic upsert per request: the window resets when it has ended, and exceeding the limit
 * blocks the key for `blockDuration`.
 */
@Injectable()
export class PostgresThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private sweepTimer?: NodeJS.Timeout;

  constructor(private readonly dataSource: DataSource) {}

  // Started with the app, not in the constructor: an app that fails to start must leave no timer behind.
  onModuleInit(): void {
    this.sweepTimer = setInterval(() => void this.sweepExpired().catch(() => undefined), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    const rows: Array<{ hits: number; expires_in: string; blocked_in: string | null }> =
      await this.dataSource.query(
        `INSERT INTO rate_limit_counters AS c (key, hits, window_ends_at, blocked_until)
       VALUES ($1, 1, now() + make_interval(secs => $2::float8 / 1000),
               CASE WHEN 1 > $3 THEN now() + make_interval(secs => $4::float8 / 1000) END)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN c.window_ends_at <= now() THEN 1 ELSE c.hits + 1 END,
         window_ends_at = CASE WHEN c.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE c.window_ends_at END,
         blocked_until = CASE
           WHEN c.blocked_until > now() THEN c.blocked_until
           WHEN (CASE WHEN c.window_ends_at <= now() THEN 1 ELSE c.hits + 1 END) > $3
             THEN now() + make_interval(secs => $4::float8 / 1000)
         END
       RETURNING hits,
                 extract(epoch FROM window_ends_at - now()) AS expires_in,
                 extract(epoch FROM blocked_until - now()) AS blocked_in`,
        [key, ttl, limit, blockDuration],
      );
    const { hits, expires_in, blocked_in } = rows[0];
    const blockedSeconds = blocked_in === null ? 0 : Math.max(0, Math.ceil(Number(blocked_in)));
    return {
      totalHits: hits,
      timeToExpire: Math.max(0, Math.ceil(Number(expires_in))),
      isBlocked: blockedSeconds > 0,
      timeToBlockExpire: blockedSeconds,
    };
  }

  /** Forget counters whose window and block have both ended, so the table stays small. */
  async sweepExpired(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM rate_limit_counters
       WHERE window_ends_at < now() AND (blocked_until IS NULL OR blocked_until < now())`,
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }
}
