import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig, PROJECT_ROOT } from '../config/load-config';
import { dataSourceOptions } from '../database/data-source-options';
import { runPendingMigrations } from '../database/migrate';
import { openDatabase } from '../database/open-database';

const MIGRATIONS_DIR = join(PROJECT_ROOT, 'src', 'database', 'migrations');

/**
 * `migration:run` | `migration:revert` | `migration:generate -- Name`, against DATABASE_URL or, in
 * development, the embedded PostgreSQL.
 */
async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const config = loadConfig(process.env);
  const database = await openDatabase(config, (line) => console.log(line));
  const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  try {
    if (command === 'run') {
      const applied = await runPendingMigrations(dataSource);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else if (command === 'generate') {
      await generate(dataSource, name);
    } else {
      throw new Error('usage: migrations run | revert | generate <Name>');
    }
  } finally {
    await dataSource.destroy();
    await database.stop();
  }
}

async function generate(dataSource: DataSource, name: string | undefined): Promise<void> {
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('give the migration a PascalCase name');
  await runPendingMigrations(dataSource);
  const sql = await dataSource.driver.createSchemaBuilder().log();
  if (sql.upQueries.length === 0) {
    console.log('the schema already matches the entities; nothing to generate');
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const fileName = `${timestamp}-${name}`;
  const lines = (queries: typeof sql.upQueries) =>
    queries
      .map(
        (q) =>
          `    await queryRunner.query(${JSON.stringify(q.query)}${q.parameters?.length ? `, ${JSON.stringify(q.parameters)}` : ''});`,
      )
      .join('\n');
  writeFileSync(
    join(MIGRATIONS_DIR, `${fileName}.ts`),
    `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${lines(sql.upQueries)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${lines([...sql.downQueries].reverse())}
  }
}
`,
  );
  const indexFile = join(MIGRATIONS_DIR, 'index.ts');
  const index = readFileSync(indexFile, 'utf8')
    .replace(/^(\/\/.*\n)/, `$1import { ${className} } from './${fileName}';\n`)
    .replace(/export const MIGRATIONS = \[(.*)\];/s, (_m, list: string) => {
      const entries = list
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      return `export const MIGRATIONS = [${[...entries, className].join(', ')}];`;
    });
  writeFileSync(indexFile, index);
  console.log(
    `wrote src/database/migrations/${fileName}.ts (${sql.upQueries.length} statements); run "npm run format"`,
  );
}

main().catch((error: unknown) => {
  console.error(`migrations: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
