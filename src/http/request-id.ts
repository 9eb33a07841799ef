import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Response } from 'express';
import type { AuthenticatedRequest } from '../auth/principal';

export const REQUEST_ID_HEADER = 'x-request-id';
/** The longest request id a response carries (a longer caller id is replaced by a new one). */
export const REQUEST_ID_MAX_LENGTH = 128;
const SAFE_REQUEST_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${REQUEST_ID_MAX_LENGTH}}$`);

const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** The id of the request being served, wherever in its call chain this runs; null outside a request. */
export function currentRequestId(): string | null {
  return requestContext.getStore()?.requestId ?? null;
}

/** Accepts a caller's X-Request-ID when it is a short safe token, else makes one; echoes it on every response. */
export function requestIdMiddleware(req: AuthenticatedRequest, res: Response, next: NextFunction): void {
  const offered = req.headers[REQUEST_ID_HEADER];
  const id = typeof offered === 'string' && SAFE_REQUEST_ID.test(offered) ? offered : randomUUID();
  req.id = id;
  res.setHeader('X-Request-ID', id);
  requestContext.run({ requestId: id }, next);
}
