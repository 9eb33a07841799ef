import type { NextFunction, Request, Response } from 'express';
import type { MetricsService } from './metrics.service';

/**
 * Times every request and labels it with the route template Express matched (`/runs/:run_id`), so
 * metrics stay low-cardinality whatever ids clients send; unmatched requests share one label.
 */
export function requestMetricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const template = (req.route as { path?: string } | undefined)?.path;
      // Nest answers unknown paths through a catch-all route (`/{*path}`): count those as unmatched too.
      const route = template && !template.includes('{*') ? `${req.baseUrl}${template}` : 'unmatched';
      metrics.observeRequest(
        req.method,
        route,
        res.statusCode,
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}
