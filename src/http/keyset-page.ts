import type { SelectQueryBuilder, ObjectLiteral } from 'typeorm';
import type { PageQueryDto } from './page-query.dto';
import { queryInvalid } from './validation-errors';

/**
 * Constant-cost pages for every operator list (issue #19). A page is cut by keyset — "the rows after the
 * last one you saw", in a stable order of (sort key, id) served by an index — so the n-th page costs what
 * the first does. `offset` stays accepted for old clients up to MAX_OFFSET (page-query.dto.ts); `total` is counted only up to
 * TOTAL_COUNT_CAP, so no request counts a growing table in full (`total_exact` says whether it was cut).
 */
export const TOTAL_COUNT_CAP = 10_000;

/** How one list is ordered: its sort key, its tie-breaking id (same direction), and the id's type. */
export interface KeysetOrder {
  /** Names the list inside the cursor, so one list's cursor is refused by another. */
  list: string;
  /** SQL of the sort key column, e.g. `r.created_at` (a timestamptz). */
  key: string;
  /** SQL of the unique id column. */
  id: string;
  direction: 'ASC' | 'DESC';
  idType: 'uuid' | 'text' | 'integer';
}

/** Where the previous page ended: the sort key in its exact text form (microseconds) and the id. */
export interface KeysetPosition {
  key: string;
  id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID_PATTERNS: Record<KeysetOrder['idType'], RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  // Run ids: any 1–255 characters but NUL (PostgreSQL text cannot hold it), checked in decodeCursor.
  text: /^[\s\S]{1,255}$/,
  integer: /^[1-9]\d{0,17}$/,
};
const ID_TYPES: Record<KeysetOrder['idType'], string> = { uuid: 'uuid', text: 'text', integer: 'bigint' };

/**
 * SQL that renders a timestamptz column as the cursor's key text, in UTC with microseconds: a JavaScript
 * Date keeps milliseconds only, and a cursor cut to milliseconds would skip rows within that millisecond.
 */
export function cursorKeySql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** A real UTC instant in the cursor's form: PostgreSQL would refuse `02-30` or `24:00` with an error. */
function isExactTimestamp(key: string): boolean {
  if (!TIMESTAMP.test(key)) return false;
  const instant = new Date(key);
  return !Number.isNaN(instant.getTime()) && instant.toISOString().slice(0, 23) === key.slice(0, 23);
}

export function encodeCursor(order: KeysetOrder, position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([order.list, position.key, position.id]), 'utf8').toString('base64url');
}

/**
 * The position a cursor stands for. A cursor this list did not make (malformed, forged, another list's)
 * is a 400 naming `cursor`, before any SQL sees it; a well-formed forged position only moves the page,
 * because every page query keeps the caller's visibility filter.
 */
export function decodeCursor(order: KeysetOrder, cursor: string): KeysetPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (Array.isArray(decoded) && decoded.length === 3 && decoded[0] === order.list) {
    const [, key, id] = decoded as unknown[];
    if (
      typeof key === 'string' &&
      isExactTimestamp(key) &&
      typeof id === 'string' &&
      ID_PATTERNS[order.idType].test(id) &&
      !id.includes('\u0000')
    ) {
      return { key, id };
    }
  }
  throw queryInvalid(['cursor'], 'cursor is not a next_cursor this list returned', 'cursor_invalid');
}

/** Refuses `cursor` together with a non-zero `offset`: a page is cut by one or the other. */
export function pagingOf(query: PageQueryDto): { limit: number; offset: number; cursor?: string } {
  const limit = query.limit ?? 20;
  const offset = query.offset ?? 0;
  if (query.cursor !== undefined && offset !== 0) {
    throw queryInvalid(['offset'], 'offset and cursor exclude each other: send cursor alone', 'value_error');
  }
  return { limit, offset, cursor: query.cursor };
}

/** The keyset condition "after this position" in SQL, with its two bound values. */
export function keysetCondition(
  order: KeysetOrder,
  position: KeysetPosition,
  bind: (value: unknown) => string,
): string {
  const comparison = order.direction === 'DESC' ? '<' : '>';
  const key = bind(position.key);
  const id = bind(position.id);
  return `(${order.key}, ${order.id}) ${comparison} (CAST(${key} AS timestamptz), CAST(${id} AS ${ID_TYPES[order.idType]}))`;
}

/** `ORDER BY` of a keyset list: the key, then the id, in one direction so one index serves both. */
export function keysetOrderBy(order: KeysetOrder): string {
  return `${order.key} ${order.direction}, ${order.id} ${order.direction}`;
}

/**
 * Cuts a page out of up to `limit + 1` rows fetched in keyset order: the extra row only says whether a
 * next page exists, so no count is needed to know it.
 */
export function pageOf<T>(
  order: KeysetOrder,
  rows: T[],
  limit: number,
  positionOf: (row: T) => KeysetPosition,
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const next_cursor =
    rows.length > limit && last !== undefined ? encodeCursor(order, positionOf(last)) : null;
  return { items, next_cursor };
}

/**
 * A count that stops at TOTAL_COUNT_CAP + 1 rows: constant cost however large the table grows. `exact`
 * is false when more rows match than the cap (then `total` is the cap, a lower bound).
 */
export function cappedTotal(counted: number): { total: number; total_exact: boolean } {
  return counted > TOTAL_COUNT_CAP
    ? { total: TOTAL_COUNT_CAP, total_exact: false }
    : { total: counted, total_exact: true };
}

/** `SELECT count(*)` over at most TOTAL_COUNT_CAP + 1 rows of `sql` (a SELECT without ORDER BY). */
export function cappedCountSql(sql: string): string {
  return `SELECT count(*)::int AS total FROM (${sql} LIMIT ${TOTAL_COUNT_CAP + 1}) capped`;
}

/**
 * The keyset page and the capped total of a TypeORM query builder that already carries the list's filters
 * (visibility included): two queries, whatever the page size or depth. Rows come back as entities, each
 * with its exact cursor position.
 */
export async function keysetPage<T extends ObjectLiteral>(
  select: SelectQueryBuilder<T>,
  order: KeysetOrder,
  query: PageQueryDto,
): Promise<KeysetPage<T>> {
  const { limit, offset, cursor } = pagingOf(query);
  const [countSql, countParams] = select.clone().select('1').orderBy().getQueryAndParameters();
  const page = select.clone();
  if (cursor !== undefined) {
    const position = decodeCursor(order, cursor);
    const comparison = order.direction === 'DESC' ? '<' : '>';
    page.andWhere(
      `(${order.key}, ${order.id}) ${comparison} (CAST(:keysetKey AS timestamptz), CAST(:keysetId AS ${ID_TYPES[order.idType]}))`,
      { keysetKey: position.key, keysetId: position.id },
    );
  }
  page
    .addSelect(cursorKeySql(order.key), 'keyset_key')
    .addSelect(`${order.id}::text`, 'keyset_id')
    .orderBy(order.key, order.direction)
    .addOrderBy(order.id, order.direction)
    .offset(offset)
    .limit(limit + 1);
  const [{ entities, raw }, counted] = await Promise.all([
    page.getRawAndEntities<{ keyset_key: string; keyset_id: string }>(),
    select.connection.query<Array<{ total: number }>>(cappedCountSql(countSql), countParams),
  ]);
  // Without joins, getRawAndEntities returns one raw row per entity, in the same order.
  const positions = raw.map((row) => ({ key: row.keyset_key, id: row.keyset_id }));
  const { items, next_cursor } = pageOf(
    order,
    entities,
    limit,
    (entity) => positions[entities.indexOf(entity)],
  );
  return { items, next_cursor, ...cappedTotal(counted[0].total), limit, offset };
}

export interface KeysetPage<T> {
  items: T[];
  next_cursor: string | null;
  total: number;
  total_exact: boolean;
  limit: number;
  offset: number;
}
