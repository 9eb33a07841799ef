import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * `save()` of an entity that already exists first SELECTs its row to find out which columns changed, then
 * UPDATEs them: one extra statement per saved row, three per executor write (the phase, its tier, the run).
 * The executor writes read those rows themselves a moment earlier, in the same transaction and under the run
 * row lock that every writer of a run takes first, so what they read is what the row still holds: remembering
 * it at read time makes the SELECT unnecessary.
 */
const asRead = new WeakMap<object, Map<string, unknown>>();

/** Remembers the entity's column values as just read in this transaction; answers the entity. */
export function remember<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  entity: T,
): T {
  const { columns } = manager.connection.getMetadata(target);
  asRead.set(entity, new Map(columns.map((c) => [c.propertyPath, copy(c.getEntityValue(entity))])));
  return entity;
}

/**
 * Writes the columns that changed since `remember` (nothing at all when none did), like `save()` without
 * its SELECT; the update timestamp follows as with `save()`. An entity that was not remembered is saved.
 */
export async function writeChanges<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  entity: T,
): Promise<void> {
  const read = asRead.get(entity);
  if (read === undefined) {
    await manager.getRepository(target).save(entity);
    return;
  }
  const metadata = manager.connection.getMetadata(target);
  const changes: Record<string, unknown> = {};
  for (const column of metadata.columns) {
    if (column.isPrimary || column.isCreateDate || column.isUpdateDate) continue;
    const value: unknown = column.getEntityValue(entity);
    if (!same(value, read.get(column.propertyPath))) changes[column.propertyName] = value;
  }
  if (Object.keys(changes).length === 0) return;
  await manager.update(target, metadata.getEntityIdMap(entity)!, changes as QueryDeepPartialEntity<T>);
  remember(manager, target, entity);
}

function copy(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime());
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return a === b || (a == null && b == null);
}
