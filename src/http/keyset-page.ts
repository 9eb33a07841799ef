import type { SelectQueryBuilder, ObjectLiteral } from 'typeorm';

/** What a keyset list reads from its query: PageQueryDto, or a list's own paging DTO of the same shape. */
export interface PageRequest {
  limit?: number;
  offset?: number;
  cursor?: string;
}
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
export function pagingOf(query: PageRequest): { limit: number; offset: number; cursor?: string } {
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

/** One row of a keyset slice: the entity and its exact position (the key to the microsecond, the id). */
export interface Positioned<T> {
  item: T;
  position: KeysetPosition;
}

/**
 * Up to `limit + 1` entities of a TypeORM query builder (already carrying the list's filters, visibility
 * included) in the list's order, after `after` when given, each with its exact position. One query.
 */
async function keysetSlice<T extends ObjectLiteral>(
  select: SelectQueryBuilder<T>,
  order: KeysetOrder,
  slice: { limit: number; offset?: number; after?: KeysetPosition },
): Promise<Array<Positioned<T>>> {
  const page = select.clone();
  if (slice.after !== undefined) {
    const comparison = order.direction === 'DESC' ? '<' : '>';
    page.andWhere(
      `(${order.key}, ${order.id}) ${comparison} (CAST(:keysetKey AS timestamptz), CAST(:keysetId AS ${ID_TYPES[order.idType]}))`,
      { keysetKey: slice.after.key, keysetId: slice.after.id },
    );
  }
  page
    .addSelect(cursorKeySql(order.key), 'keyset_key')
    .addSelect(`${order.id}::text`, 'keyset_id')
    .orderBy(order.key, order.direction)
    .addOrderBy(order.id, order.direction)
    .offset(slice.offset ?? 0)
    .limit(slice.limit + 1);
  const { entities, raw } = await page.getRawAndEntities<{ keyset_key: string; keyset_id: string }>();
  // Without joins, getRawAndEntities returns one raw row per entity, in the same order.
  return entities.map((item, index) => ({
    item,
    position: { key: raw[index].keyset_key, id: raw[index].keyset_id },
  }));
}

/** The capped total of a query builder's rows (see cappedTotal). One query of constant cost. */
async function cappedCount<T extends ObjectLiteral>(
  select: SelectQueryBuilder<T>,
): Promise<{ total: number; total_exact: boolean }> {
  const [sql, params] = select.clone().select('1').orderBy().getQueryAndParameters();
  const counted = await select.connection.query<Array<{ total: number }>>(cappedCountSql(sql), params);
  return cappedTotal(counted[0].total);
}

/** Up to `limit + 1` rows after a position, each with its position, and the capped total of all rows. */
export interface KeysetWindow<T> {
  rows: Array<Positioned<T>>;
  total: number;
  total_exact: boolean;
}

/**
 * The keyset slice and the capped total of a query builder that already carries the list's filters
 * (visibility included): two queries, whatever the position. A page is cut from it (keysetPage), or it is
 * merged with other lists' windows in the same order (the inbox).
 */
export async function keysetWindow<T extends ObjectLiteral>(
  select: SelectQueryBuilder<T>,
  order: KeysetOrder,
  slice: { limit: number; offset?: number; after?: KeysetPosition },
): Promise<KeysetWindow<T>> {
  const [rows, total] = await Promise.all([keysetSlice(select, order, slice), cappedCount(select)]);
  return { rows, ...total };
}

/** The same window with every row mapped (an entity to its wire form), positions kept. */
export function mapWindow<T, U>(window: KeysetWindow<T>, map: (item: T) => U): KeysetWindow<U> {
  return { ...window, rows: window.rows.map(({ item, position }) => ({ item: map(item), position })) };
}

/**
 * The keyset page and the capped total of a TypeORM query builder that already carries the list's filters
 * (visibility included): two queries, whatever the page size or depth.
 */
export async function keysetPage<T extends ObjectLiteral>(
  select: SelectQueryBuilder<T>,
  order: KeysetOrder,
  query: PageRequest,
): Promise<KeysetPage<T>> {
  const { limit, offset, cursor } = pagingOf(query);
  const after = cursor === undefined ? undefined : decodeCursor(order, cursor);
  const { rows, total, total_exact } = await keysetWindow(select, order, { limit, offset, after });
  const { items, next_cursor } = pageOf(order, rows, limit, (row) => row.position);
  return { items: items.map((row) => row.item), next_cursor, total, total_exact, limit, offset };
}

export interface KeysetPage<T> {
  items: T[];
  next_cursor: string | null;
  total: number;
  total_exact: boolean;
  limit: number;
  offset: number;
}
