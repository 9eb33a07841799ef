import { DataSource } from 'typeorm';

/** Any constant works; it only has to be the same in every replica. */
const MIGRATION_LOCK_KEY = 7_042_011;

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so replicas starting together
 * never run the same migration twice.
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** True when every migration the code knows has been applied (readiness). */
export async function hasPendingMigrations(dataSource: DataSource): Promise<boolean> {
  return dataSource.showMigrations();
}
