export class DatabaseHealthDto {
  /** `ok`, or `unreachable` when PostgreSQL does not answer within 2 s. */
  status: 'ok' | 'unreachable';
  latency_ms: number;
}

export class HealthResponseDto {
  /** `unhealthy` (503): not ready to serve. `degraded` (200): serving, with `problems` to look at. */
  status: 'healthy' | 'degraded' | 'unhealthy';
  /** What is wrong, one sentence each; empty when healthy. */
  problems: string[];
  /** Whether every migration the code knows has been applied. */
  migrations: 'applied' | 'pending' | 'unknown';
  database: DatabaseHealthDto;
  /** sha256(host:port/database), first 16 hex digits. Never credentials. */
  database_identity: string;
  version: string;
  /**
   * Every external-actions switch by its variable, `true` = on: AUTOPACK_EXTERNAL_ACTIONS_ENABLED, each
   * AUTOPACK_ENABLE_*, and AUTOPACK_SIDE_EFFECTS_DRY_RUN (`true`: dry-run is on).
   */
  kill_switches: Record<string, boolean>;
}

export class LivenessResponseDto {
  status: 'alive';
}
