export class DatabaseHealthDto {
  /** `ok`, or `unreachable` when PostgreSQL does not answer within 2 s. */
  status: 'ok' | 'unreachable';
  latency_ms: number;
}

export class HealthResponseDto {
  status: 'healthy' | 'degraded' | 'unhealthy';
  database: DatabaseHealthDto;
  /** sha256(host:port/database), first 16 hex digits. Never credentials. */
  database_identity: string;
  version: string;
  /** Every kill switch and whether it is on. */
  kill_switches: Record<string, boolean>;
}
