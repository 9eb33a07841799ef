import { cappedCountSql, cursorKeySql, keysetCondition, keysetOrderBy } from '../http/keyset-page';
import type { KeysetOrder, KeysetPosition } from '../http/keyset-page';

/**
 * The SQL of `GET /runs`: one query for the page (with each run's phase counts) and one for the capped
 * total, whatever the page size or depth. Kept apart from the service so the benchmark's bare server runs
 * the very same SQL.
 */

/** Newest first, ties broken by id: served by the (created_at, id) index, or (owner, created_at, id). */
export const RUN_LIST_ORDER: KeysetOrder = {
  list: 'runs',
  key: 'created_at',
  id: 'id',
  direction: 'DESC',
  idType: 'text',
};

export interface RunListFilter {
  /** Only this owner's runs; null for every run (see ownerFilterFor). */
  owner: string | null;
  state?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  limit: number;
  offset: number;
  /** The page after this position (a decoded cursor). */
  after?: KeysetPosition;
}

export interface RunListRow {
  id: string;
  state: string;
  safety_profile: string;
  run_scope: string;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  tokens_used: string;
  token_cap: string;
  minor_issues_count: number;
  major_issues_count: number;
  failure_reason: string | null;
  owner_principal_id: string;
  phases_total: number;
  phases_queued: number;
  phases_in_progress: number;
  phases_completed: number;
  phases_failed: number;
  phases_skipped: number;
  /** The run's cursor position: created_at with microseconds. */
  keyset_key: string;
}

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

function whereClause(filter: RunListFilter, params: unknown[], withCursor = false): string {
  const conditions: string[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.owner !== null) conditions.push(`owner_principal_id = ${bind(filter.owner)}`);
  if (filter.state !== undefined) conditions.push(`state = ${bind(filter.state)}`);
  if (filter.createdAfter !== undefined) conditions.push(`created_at >= ${bind(filter.createdAfter)}`);
  if (filter.createdBefore !== undefined) conditions.push(`created_at <= ${bind(filter.createdBefore)}`);
  if (withCursor && filter.after !== undefined)
    conditions.push(keysetCondition(RUN_LIST_ORDER, filter.after, bind));
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * Newest first, ties broken by id, so pages are stable. The page is cut first (served by the
 * (created_at, id) index: after the cursor's position, never by skipping rows, unless an old client sends
 * `offset`), then each of its runs' phases is counted through the (run_id, phase_id) index. One row more
 * than the page is fetched: it says whether a next page exists.
 */
export function runListPageQuery(filter: RunListFilter): SqlStatement {
  const params: unknown[] = [];
  const where = whereClause(filter, params, true);
  params.push(filter.limit + 1, filter.offset);
  const sql = `SELECT r.id, r.state, r.safety_profile, r.run_scope, r.created_at, r.started_at, r.completed_at,
       r.tokens_used, r.token_cap, r.minor_issues_count, r.major_issues_count, r.failure_reason,
       r.owner_principal_id, ${cursorKeySql('r.created_at')} AS keyset_key,
       pc.phases_total, pc.phases_queued, pc.phases_in_progress, pc.phases_completed, pc.phases_failed,
       pc.phases_skipped
FROM (SELECT * FROM runs ${where} ORDER BY ${keysetOrderBy(RUN_LIST_ORDER)} LIMIT $${params.length - 1} OFFSET $${params.length}) r
CROSS JOIN LATERAL (
  SELECT count(*)::int AS phases_total,
         count(*) FILTER (WHERE p.state = 'QUEUED')::int AS phases_queued,
         count(*) FILTER (WHERE p.state IN ('EXECUTING', 'GATE', 'CI_RUNNING'))::int AS phases_in_progress,
         count(*) FILTER (WHERE p.state = 'COMPLETE')::int AS phases_completed,
         count(*) FILTER (WHERE p.state = 'FAILED')::int AS phases_failed,
         count(*) FILTER (WHERE p.state = 'SKIPPED')::int AS phases_skipped
  FROM run_phases p WHERE p.run_id = r.id
) pc
ORDER BY r.created_at DESC, r.id DESC`;
  return { sql, params };
}

/** Matching visible runs, counted up to the cap (constant cost; see cappedTotal). */
export function runListCountQuery(filter: RunListFilter): SqlStatement {
  const params: unknown[] = [];
  const where = whereClause(filter, params);
  return { sql: cappedCountSql(`SELECT 1 FROM runs ${where}`), params };
}
