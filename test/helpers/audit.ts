import { DataSource } from 'typeorm';
import { AuditService, RecordedAuditEvent } from '../../src/audit/audit.service';
import { systemAuditContext } from '../../src/audit/audit-context';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { runPendingMigrations } from '../../src/database/migrate';
import { createTestDatabase } from './database';

export interface MigratedDatabase {
  dataSource: DataSource;
  url: string;
  name: string;
}

/** A fresh test database with every migration applied, without an app around it. */
export async function openMigratedDatabase(): Promise<MigratedDatabase> {
  const database = await createTestDatabase();
  const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  await runPendingMigrations(dataSource);
  return { dataSource, ...database };
}

/** Appends `count` events, each in its own transaction, `concurrency` at a time. */
export async function appendEvents(
  dataSource: DataSource,
  count: number,
  concurrency = 1,
  audit = new AuditService(),
): Promise<RecordedAuditEvent[]> {
  const recorded: RecordedAuditEvent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      recorded.push(
        await dataSource.transaction((manager) =>
          audit.record(manager, {
            ...systemAuditContext('test'),
            type: 'test.appended',
            subject: { type: 'run', id: `run-${i % 5}` },
            runId: `run-${i % 5}`,
            details: { i },
          }),
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return recorded;
}

/** Runs SQL with the append-only triggers of audit_events switched off: how a tamperer with DB rights works. */
export async function withoutImmutability(
  dataSource: DataSource,
  sql: string,
  params: unknown[] = [],
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await manager.query(sql, params);
    await manager.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
  });
}
