import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The app's Prometheus metrics. One registry per app instance (not prom-client's global one), so
 * several apps in one process — tests, replicas — never mix their numbers.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'autopack_http_requests_total',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'autopack_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: 'autopack_rate_limit_rejections_total',
    help: 'Requests refused with 429, by route template',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  /** Every execution claim's outcome: `granted`, `dry_run`, or the denial reason (`kill_switch_off`, …). */
  readonly actionClaims = new Counter({
    name: 'autopack_action_claims_total',
    help: 'External action execution claims by result (granted, dry_run, or the denial reason)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'autopack_process_' });
    const pool = () => (dataSource.driver as unknown as { master?: PoolStats }).master;
    const poolGauge = (name: string, help: string, read: (stats: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const stats = pool();
          this.set(stats ? read(stats) : 0);
        },
      });
    poolGauge('autopack_db_pool_connections', 'Open database connections in the pool', (s) => s.totalCount);
    poolGauge(
      'autopack_db_pool_idle_connections',
      'Idle database connections in the pool',
      (s) => s.idleCount,
    );
    poolGauge(
      'autopack_db_pool_waiting_requests',
      'Queries waiting for a pool connection',
      (s) => s.waitingCount,
    );
  }

  /** Records one finished request. `route` is the template (`/runs/:run_id`), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
    if (status === 429) this.rateLimitRejections.inc({ route });
  }
}
