import express, { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../auth/principal';
import { bodyProblem } from './body-problem';
import { sendError } from './error-envelope';
import { validationFailed } from './validation-errors';

/** body-parser's error types → the status and message a client gets. */
const BODY_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'Malformed JSON in request body'],
  'entity.too.large': [413, 'Request body is too large'],
  'encoding.unsupported': [415, 'Unsupported content encoding'],
  'charset.unsupported': [415, 'Unsupported charset'],
  'request.aborted': [400, 'Request aborted'],
};

/** The methods of the operations that take a request body. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function bodyErrorHandler(
  error: Error & { type?: string },
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  const known = error.type ? BODY_ERRORS[error.type] : undefined;
  if (!known) return next(error);
  sendError(res, known[0], known[1], String((req as AuthenticatedRequest).id ?? ''));
}

/**
 * Refuses bodies the validators or the database cannot take (see `bodyProblem`) with a 422 before anything
 * recurses into them or stores them (both were 500s).
 */
function bodyGuard(req: Request, res: Response, next: NextFunction): void {
  const problem = bodyProblem(req.body);
  if (!problem) return next();
  const refusal = validationFailed([problem]);
  sendError(res, 422, refusal.message, String((req as AuthenticatedRequest).id ?? ''), {
    detail: [problem],
  });
}

/**
 * The JSON body pipeline: parse (limit, content types, only for methods that take a body), turn the
 * parser's errors into the error envelope, then refuse what the validators cannot take.
 */
export function jsonBodyMiddleware(limitBytes: number) {
  return [
    // Only the methods whose operations take a body: a body sent with GET or DELETE is ignored, so it cannot
    // produce a 400/413/415/422 that those operations do not document.
    express.json({
      limit: limitBytes,
      type: (req) =>
        BODY_METHODS.has(req.method ?? '') &&
        Boolean((req as Request).is(['application/json', 'application/*+json'])),
    }),
    bodyErrorHandler,
    bodyGuard,
  ];
}
