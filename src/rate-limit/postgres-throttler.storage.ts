import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { DataSource } from 'typeorm';

const SWEEP_INTERVAL_MS = 60_000;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * How many hits one round trip reserves for a replica's local bucket under `limit` per window. Budgets
 * below 200 reserve 1: every hit is an exact, shared count, as before. Larger budgets reserve 1 % of the
 * budget (at most 50), so one request in that many writes the shared counter instead of every one.
 */
export function reservationSize(limit: number): number {
  return Math.max(1, Math.min(50, Math.floor(limit / 100)));
}

/** Hits a replica has reserved in PostgreSQL and not used yet, for one key and one window. */
interface LocalBucket {
  /** The shared count of this key that includes the last hit served from this bucket. */
  hits: number;
  remaining: number;
  windowEndsAt: number;
}

/**
 * Throttler storage kept in PostgreSQL so that every replica counts against the same budget.
 * One atomic upsert reserves hits: the window resets when it has ended, and exceeding the limit blocks
 * the key for `blockDuration`. A reservation never takes more than what is left of the budget, so all
 * replicas together never admit more than `limit` hits per window; a replica may hold up to
 * `reservationSize(limit) - 1` reserved hits it does not use, which other replicas then cannot have (the
 * tolerance: a key may be refused that many hits early per replica, never served more). Small budgets
 * (logins, decisions, run starts) reserve one hit at a time, so they stay exact across replicas. Replicas
 * running different large budgets for one key (while a change is rolled out) count apart.
 */
@Injectable()
export class PostgresThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private sweepTimer?: NodeJS.Timeout;
  private readonly buckets = new Map<string, LocalBucket>();

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
    const now = Date.now();
    const batch = reservationSize(limit);
    // Reserved hits are only meaningful against the budget they were reserved under: a replica running
    // another budget for the same key (a configuration being rolled out) counts apart instead of seeing
    // them as spent. Budgets that reserve one hit keep the plain, shared key.
    const counter = batch > 1 ? `${key}#${limit}` : key;
    const local = this.buckets.get(counter);
    if (local && local.remaining > 0 && local.windowEndsAt > now) {
      local.remaining--;
      local.hits++;
      return {
        totalHits: local.hits,
        timeToExpire: Math.max(0, Math.ceil((local.windowEndsAt - now) / 1000)),
        isBlocked: false,
        timeToBlockExpire: 0,
      };
    }
    // What this replica takes (`grant`, written to the row and read back): up to the batch, never more
    // than is left of the window's budget, and at least this one hit (which may go over and block).
    const live = 'CASE WHEN c.window_ends_at <= now() THEN 0 ELSE c.hits END';
    const grant = `GREATEST(1, LEAST($5::int, $3::int - ${live}))`;
    const rows: Array<{ hits: number; granted: number; expires_in: string; blocked_in: string | null }> =
      await this.dataSource.query(
        `INSERT INTO rate_limit_counters AS c (key, hits, granted, window_ends_at, blocked_until)
       VALUES ($1, GREATEST(1, LEAST($5::int, $3::int)), GREATEST(1, LEAST($5::int, $3::int)),
               now() + make_interval(secs => $2::float8 / 1000),
               CASE WHEN 1 > $3 THEN now() + make_interval(secs => $4::float8 / 1000) END)
       ON CONFLICT (key) DO UPDATE SET
         hits = ${live} + ${grant},
         granted = ${grant},
         window_ends_at = CASE WHEN c.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE c.window_ends_at END,
         blocked_until = CASE
           WHEN c.blocked_until > now() THEN c.blocked_until
           WHEN (CASE WHEN c.window_ends_at <= now() THEN 1 ELSE c.hits + 1 END) > $3
             THEN now() + make_interval(secs => $4::float8 / 1000)
         END
       RETURNING hits, granted,
                 extract(epoch FROM window_ends_at - now()) AS expires_in,
                 extract(epoch FROM blocked_until - now()) AS blocked_in`,
        [counter, ttl, limit, blockDuration, batch],
      );
    const { hits, granted, expires_in, blocked_in } = rows[0];
    const blockedSeconds = blocked_in === null ? 0 : Math.max(0, Math.ceil(Number(blocked_in)));
    const expiresSeconds = Number(expires_in);
    // This request is the first of the granted hits; the rest wait in the local bucket.
    const first = hits - granted + 1;
    if (granted > 1 && blockedSeconds === 0) {
      this.buckets.set(counter, {
        hits: first,
        remaining: granted - 1,
        windowEndsAt: now + expiresSeconds * 1000,
      });
    } else {
      this.buckets.delete(counter);
    }
    return {
      totalHits: first,
      timeToExpire: Math.max(0, Math.ceil(expiresSeconds)),
      isBlocked: blockedSeconds > 0,
      timeToBlockExpire: blockedSeconds,
    };
  }

  /** Forget counters whose window and block have both ended, so the table stays small. */
  async sweepExpired(): Promise<void> {
    const now = Date.now();
    for (const [key, bucket] of this.buckets) if (bucket.windowEndsAt <= now) this.buckets.delete(key);
    await this.dataSource.query(
      `DELETE FROM rate_limit_counters
       WHERE window_ends_at < now() AND (blocked_until IS NULL OR blocked_until < now())`,
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }
}
