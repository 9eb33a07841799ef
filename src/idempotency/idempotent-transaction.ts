import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { IdempotencyKeyRecord } from './idempotency-key.entity';
import { idempotencyKeyInFlight, idempotencyKeyReused } from './idempotency-key';

/** What the interceptor knows of a request that carries an Idempotency-Key (see idempotency.interceptor.ts). */
export interface IdempotencyScope {
  principalId: string;
  key: string;
  /** `POST /runs/r1/errors` */
  request: string;
  requestSha256: string;
  /** The status the route answers on success (its @HttpCode, or 201 for a POST). */
  status: number;
  expiresAt: Date;
  /** Set once the write's transaction stored the response. */
  recorded: boolean;
}

/** The scope of the request being handled, if it carries a key. Entered by the interceptor only. */
export const idempotencyScope = new AsyncLocalStorage<IdempotencyScope>();

/** Thrown inside a write's transaction when the key's response was stored meanwhile: answer it instead. */
export class IdempotentReplay extends Error {
  constructor(readonly record: StoredResponse) {
    super('replay the stored response');
  }
}

const UNIQUE_VIOLATION = '23505';

/** The advisory-lock key text of one (principal, key) pair of the run writes. */
const lockText = (scope: IdempotencyScope) => `idempotency:${scope.principalId}:${scope.key}`;

/**
 * The one transaction every executor write runs in. Without an Idempotency-Key it is
 * `dataSource.transaction(work)`. With one, it first takes the key's advisory transaction lock (held by
 * another request → 409, decided in PostgreSQL so it holds across replicas), then looks for the key's
 * stored response (same request → IdempotentReplay, which the interceptor answers; another request →
 * 422), runs `work`, and stores `respond(result)` as the response in the same transaction: the write and
 * its stored answer commit together or not at all.
 */
export async function idempotentTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  respond: (result: T) => unknown = (result) => result,
): Promise<T> {
  const scope = idempotencyScope.getStore();
  if (scope === undefined || scope.recorded) return dataSource.transaction(work);
  try {
    return await dataSource.transaction(async (manager) => {
      await claim(manager, scope);
      const result = await work(manager);
      // The body exactly as the client reads it: dates as ISO strings, class instances as plain JSON.
      await manager.query(
        `INSERT INTO idempotency_keys
           (principal_id, key, request, request_sha256, response_status, response_body, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
        [
          scope.principalId,
          scope.key,
          scope.request.slice(0, 2048),
          scope.requestSha256,
          scope.status,
          JSON.stringify(respond(result) ?? null),
          scope.expiresAt,
        ],
      );
      scope.recorded = true;
      return result;
    });
  } catch (error) {
    // The advisory lock makes this unreachable in practice; the primary key stays the last word.
    if (
      error instanceof QueryFailedError &&
      (error.driverError as { code?: string }).code === UNIQUE_VIOLATION &&
      (error.driverError as { table?: string }).table === 'idempotency_keys'
    ) {
      throw idempotencyKeyInFlight();
    }
    throw error;
  }
}

async function claim(manager: EntityManager, scope: IdempotencyScope): Promise<void> {
  const [{ locked }] = (await manager.query(
    'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
    [lockText(scope)],
  )) as Array<{ locked: boolean }>;
  if (!locked) throw idempotencyKeyInFlight();
  const stored = await findStored(manager, scope.principalId, scope.key);
  if (stored === null) return;
  if (stored.expiresAt.getTime() <= Date.now()) {
    // Past its window the key is free again (the prune may not have run yet).
    await manager.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2', [
      scope.principalId,
      scope.key,
    ]);
    return;
  }
  if (stored.requestSha256 !== scope.requestSha256) throw idempotencyKeyReused('request');
  throw new IdempotentReplay(stored);
}

/** The stored response of a key, if any and not expired (read outside any lock: a fast path). */
export async function storedResponse(
  dataSource: DataSource,
  principalId: string,
  key: string,
): Promise<StoredResponse | null> {
  const stored = await findStored(dataSource.manager, principalId, key);
  return stored !== null && stored.expiresAt.getTime() > Date.now() ? stored : null;
}

export type StoredResponse = Pick<
  IdempotencyKeyRecord,
  'requestSha256' | 'responseStatus' | 'responseBody' | 'expiresAt'
>;

async function findStored(
  manager: EntityManager,
  principalId: string,
  key: string,
): Promise<StoredResponse | null> {
  const rows = (await manager.query(
    `SELECT request_sha256, response_status, response_body, expires_at
       FROM idempotency_keys WHERE principal_id = $1 AND key = $2`,
    [principalId, key],
  )) as Array<{ request_sha256: string; response_status: number; response_body: unknown; expires_at: Date }>;
  if (rows.length === 0) return null;
  const [row] = rows;
  return {
    requestSha256: row.request_sha256,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    expiresAt: row.expires_at,
  };
}
