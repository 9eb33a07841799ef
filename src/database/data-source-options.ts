import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * The one description of how this app talks to PostgreSQL, shared by the Nest app, the CLI and the
 * tests. Schema changes happen only through migrations (`synchronize: false`).
 */
export function dataSourceOptions(
  url: string,
  overrides: Partial<DataSourceOptions> = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    extra: { max: 20, connectionTimeoutMillis: 5_000, application_name: 'autopack' },
    logging: false,
    ...overrides,
  } as DataSourceOptions;
}
