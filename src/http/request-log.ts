import type { NextFunction, Request, Response } from 'express';
import type { Logger as Pino } from 'pino';
import type { AuthenticatedRequest } from '../auth/principal';

/**
 * One log line per request once its response is done: method, path (never the query string, which may carry
 * something sensitive), status and time taken; at `error` for a 5xx, `info` otherwise, with
 * `aborted: true` when the client went away first. Headers and bodies are never logged.
 */
export function requestLogMiddleware(logger: Pino) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = Date.now();
    res.once('close', () => {
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const path = req.originalUrl.split('?')[0];
      logger[level](
        {
          request_id: (req as AuthenticatedRequest).id,
          req: { method: req.method, path },
          res: { statusCode: res.statusCode },
          responseTime: Date.now() - started,
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        `${req.method} ${path} ${res.statusCode}`,
      );
    });
    next();
  };
}
