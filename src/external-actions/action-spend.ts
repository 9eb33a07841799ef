import type { EntityManager } from 'typeorm';
import type { ExternalAction } from './external-action.entity';
import type { DayUsage } from './kill-switches.service';

/**
 * Replaces the action's reservation by its actual spend in the day's counters (the day it was reserved
 * on). Returns the day's counters afterwards, for the audit event.
 */
export async function settleSpend(
  manager: EntityManager,
  action: ExternalAction,
  actualCents: number,
): Promise<DayUsage | undefined> {
  let day: DayUsage | undefined;
  if (action.reservedDay !== null) {
    const row = returnedRows<{ day: string; spent_cents: string; actions: number }>(
      await manager.query(
        `UPDATE external_action_daily_usage SET spent_cents = spent_cents - $2 + $3 WHERE day = $1
         RETURNING day::text AS day, spent_cents, actions`,
        [action.reservedDay, action.reservedSpendCents, actualCents],
      ),
    )[0];
    if (row) day = { day: row.day, spent: Number(row.spent_cents), actions: row.actions };
  }
  action.actualSpendCents = actualCents;
  action.reservedSpendCents = 0;
  return day;
}

/** The rows of an `UPDATE … RETURNING` (TypeORM answers `[rows, affected]` for UPDATE on PostgreSQL). */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
