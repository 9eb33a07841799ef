import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../auth/principal';
import { sendError } from './error-envelope';

/**
 * PostgreSQL text cannot hold NUL: an encoded NUL anywhere in the URL (a path or a query parameter) is a
 * 400 before any route, guard or query sees it, not a database error.
 */
export function nulGuard(req: Request, res: Response, next: NextFunction): void {
  if (!req.originalUrl.includes('%00')) return next();
  sendError(
    res,
    400,
    'NUL characters are not allowed in the URL',
    String((req as AuthenticatedRequest).id ?? ''),
  );
}
