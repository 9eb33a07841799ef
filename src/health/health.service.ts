import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { hasPendingMigrations } from '../database/migrate';

const DATABASE_CHECK_TIMEOUT_MS = 2_000;

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface DatabaseCheck {
  status: 'ok' | 'unreachable';
  latency_ms: number;
}

/** Readiness facts: is the database answering, and which database is it (without credentials). */
@Injectable()
export class HealthService {
  readonly databaseIdentity: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.databaseIdentity = databaseIdentity(config.databaseUrl);
  }

  async checkDatabase(): Promise<DatabaseCheck> {
    const started = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), DATABASE_CHECK_TIMEOUT_MS);
        }),
      ]);
      return { status: 'ok', latency_ms: elapsedMs(started) };
    } catch {
      return { status: 'unreachable', latency_ms: elapsedMs(started) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** False when the code knows migrations the database has not applied (a half-finished upgrade). */
  async migrationsApplied(): Promise<boolean> {
    try {
      return !(await hasPendingMigrations(this.dataSource));
    } catch {
      return false;
    }
  }

  /** Above this the database still works but an operator should look: `degraded`. */
  get slowDatabaseMs(): number {
    return this.config.healthSlowDatabaseMs;
  }

  get version(): string {
    return this.config.version;
  }
}

/** A short hash of host, port and database name: lets operators tell databases apart, reveals no secret. */
export function databaseIdentity(url: string | undefined): string {
  if (!url) return 'unknown';
  try {
    const parsed = new URL(url);
    const subject = `${parsed.hostname}:${parsed.port || '5432'}/${parsed.pathname.replace(/^\//, '')}`;
    return createHash('sha256').update(subject).digest('hex').slice(0, 16);
  } catch {
    return 'unknown';
  }
}

function elapsedMs(started: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
}
