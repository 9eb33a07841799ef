import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { ExpiryKind } from './expiry-kinds';

/** How often every process looks for overdue requests of every kind. */
export const EXPIRY_SWEEP_INTERVAL_MS = 30_000;

/**
 * One kind of request that expires, registered by the module that owns its table. `expireOverdue` moves
 * every overdue row to its expired state (never to approved), writes each expiry's audit event on
 * `manager` (the same transaction), and locks rows with SKIP LOCKED so that replicas share the work
 * instead of waiting on each other. It answers how many rows it expired.
 */
export interface OverdueSweep {
  readonly kind: ExpiryKind;
  expireOverdue(manager: EntityManager): Promise<number>;
  /**
   * Optional: writes the `*.expiring` event of every item that expires within `windowMs` and has not been
   * warned about yet (SKIP LOCKED likewise). Run by the interval only, never before a read.
   */
  warnExpiring?(manager: EntityManager, windowMs: number): Promise<number>;
}

/**
 * The one expiry scheduler: a single interval per process runs every registered kind, each in its own
 * transaction, so one failing kind is logged and does not stop the others. Owners also call `expireNow`
 * before reading one request or deciding it, so an overdue request never reads as pending between two
 * sweeps (their pending lists leave overdue rows out in the query instead).
 */
@Injectable()
export class ExpiryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExpiryScheduler.name);
  private readonly sweeps = new Map<ExpiryKind, OverdueSweep>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  register(sweep: OverdueSweep): void {
    if (this.sweeps.has(sweep.kind)) throw new Error(`expiry kind "${sweep.kind}" is registered twice`);
    this.sweeps.set(sweep.kind, sweep);
  }

  get kinds(): ExpiryKind[] {
    return [...this.sweeps.keys()];
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweepAll(), EXPIRY_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Expires one kind now. Fails closed: an error reaches the caller, whose read or decision fails. */
  expireNow(kind: ExpiryKind): Promise<number> {
    const sweep = this.sweeps.get(kind);
    if (!sweep) throw new Error(`no expiry kind "${kind}" is registered`);
    return this.dataSource.transaction((manager) => sweep.expireOverdue(manager));
  }

  /**
   * Every kind, one transaction each. A failure is logged, never silent (the overdue rows stay as they
   * are until the next tick, and readers still expire them first), and the other kinds still run.
   */
  async sweepAll(): Promise<number> {
    let expired = 0;
    for (const [kind, sweep] of this.sweeps) {
      try {
        expired += await this.expireNow(kind);
        if (sweep.warnExpiring) {
          const warn = sweep.warnExpiring.bind(sweep);
          await this.dataSource.transaction((manager) => warn(manager, this.config.eventsExpiringWarningMs));
        }
      } catch (error: unknown) {
        this.logger.error(
          `expiry sweep of ${kind} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return expired;
  }
}
