import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { runPendingMigrations } from '../src/database/migrate';
import { MIGRATIONS } from '../src/database/migrations';
import { createTestDatabase } from './helpers/database';

describe('migrations', () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    const { url } = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(url)).initialize();
  });
  afterAll(() => dataSource.destroy());

  it('migrate an empty database to exactly the schema the entities describe', async () => {
    const applied = await runPendingMigrations(dataSource);
    expect(applied).toHaveLength(MIGRATIONS.length);
    const pending = await dataSource.driver.createSchemaBuilder().log();
    // A non-empty list here means an entity changed without a migration: run `npm run migration:generate`.
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('keep the per-request rate-limit counters out of the write-ahead log', async () => {
    const [table] = await dataSource.query(
      `SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_counters'`,
    );
    expect(table.relpersistence).toBe('u');
  });

  it('are idempotent and fully reversible', async () => {
    expect(await runPendingMigrations(dataSource)).toEqual([]);
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
    const tables = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
    );
    expect(tables).toEqual([]);
    expect(await runPendingMigrations(dataSource)).toHaveLength(MIGRATIONS.length);
  });
});
