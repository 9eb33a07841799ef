import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One fixed-window request counter per (route, principal or client IP), shared by every replica. */
@Entity({ name: 'rate_limit_counters' })
export class RateLimitCounter {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  key: string;

  @Column({ type: 'integer' })
  hits: number;

  @Column({ name: 'window_ends_at', type: 'timestamptz' })
  windowEndsAt: Date;

  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true })
  blockedUntil: Date | null;

  /** Hits the last upsert reserved for the replica that made it (see PostgresThrottlerStorage). */
  @Column({ type: 'integer', default: 1 })
  granted: number;
}
