import { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { AuthenticatedRequest } from './auth/principal';
import { AppConfig } from './config/app-config';
import { sendError } from './http/error-envelope';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { RequestValidationPipe } from './http/request-validation.pipe';
import { requestIdMiddleware } from './http/request-id';
import { MetricsService } from './observability/metrics.service';
import { requestMetricsMiddleware } from './observability/request-metrics.middleware';
import { buildOpenApiDocument } from './openapi/openapi';

/** Options for NestFactory.create and Test.createNestApplication alike: the body parser is ours (below). */
export const NEST_APP_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

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

/** Deeper JSON than any client of this API sends; deeper bodies would overflow recursive validators. */
export const MAX_BODY_DEPTH = 64;

/**
 * Keys no body may carry at any depth. JSON.parse makes them own properties that the validators cannot
 * see as unknown fields (every object already has a `constructor`), and copying them onto an object can
 * replace its prototype.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What the database or the validators cannot take in a parsed JSON body: nesting deeper than `maxDepth`
 * (recursive validators overflow), a NUL character in a key or string (PostgreSQL text and jsonb refuse
 * it) or a reserved key, with where it is. Iterative, so the check itself cannot overflow. Undefined when
 * the body is fine.
 */
export function bodyProblem(
  value: unknown,
  maxDepth = MAX_BODY_DEPTH,
): { loc: Array<string | number>; msg: string; type: string } | undefined {
  // Only containers go on the stack, each with a link to its parent: the location is built when a
  // problem is found, so a body of a million small values costs a million checks and no copies.
  interface Frame {
    node: object;
    depth: number;
    parent?: Frame;
    key?: string | number;
  }
  const locOf = (frame: Frame | undefined, key?: string | number): Array<string | number> => {
    const path: Array<string | number> = key === undefined ? [] : [key];
    for (let at = frame; at?.key !== undefined; at = at.parent) path.unshift(at.key);
    return ['body', ...path];
  };
  const nul = (loc: Array<string | number>, what = 'must') => ({
    loc,
    msg: `${what} not contain NUL characters`,
    type: 'nul_character',
  });
  if (typeof value === 'string') return value.includes('\u0000') ? nul(['body']) : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const stack: Frame[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) {
      return { loc: ['body'], msg: `nested more than ${maxDepth} levels deep`, type: 'too_deep' };
    }
    const check = (child: unknown, at: string | number) => {
      if (typeof child === 'string') return child.includes('\u0000') ? nul(locOf(frame, at)) : undefined;
      if (child !== null && typeof child === 'object') {
        stack.push({ node: child, depth: frame.depth + 1, parent: frame, key: at });
      }
      return undefined;
    };
    if (Array.isArray(frame.node)) {
      // By index: Object.keys of a million-element array would allocate a million strings.
      for (let index = 0; index < frame.node.length; index++) {
        const problem = check((frame.node as unknown[])[index], index);
        if (problem) return problem;
      }
      continue;
    }
    for (const key of Object.keys(frame.node)) {
      if (key.includes('\u0000')) return nul(locOf(frame, key), 'key must');
      if (RESERVED_KEYS.has(key)) {
        return { loc: locOf(frame, key), msg: 'reserved key is not allowed', type: 'extra_forbidden' };
      }
      const problem = check((frame.node as Record<string, unknown>)[key], key);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Refuses such bodies with a 422 before anything recurses into them or stores them (both were 500s). */
function bodyGuard(req: Request, res: Response, next: NextFunction): void {
  const problem = bodyProblem(req.body);
  if (!problem) return next();
  const where = problem.loc.slice(1).join('.');
  sendError(
    res,
    422,
    `Request body failed validation (${where ? `${where}: ` : ''}${problem.msg})`,
    String((req as AuthenticatedRequest).id ?? ''),
    { detail: [problem] },
  );
}

/**
 * PostgreSQL text cannot hold NUL: an encoded NUL anywhere in the URL (a path or a query parameter) is a
 * 400 before any route, guard or query sees it, not a database error.
 */
function nulGuard(req: Request, res: Response, next: NextFunction): void {
  if (!req.originalUrl.includes('%00')) return next();
  sendError(
    res,
    400,
    'NUL characters are not allowed in the URL',
    String((req as AuthenticatedRequest).id ?? ''),
  );
}

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
 * The HTTP setup shared by main.ts and every e2e test, so what is tested is what runs: proxy trust,
 * request ids, security headers, the JSON body limit, validation, the error envelope, logs, and the
 * Swagger UI (outside production only).
 */
export function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  // Only named proxies may set the client address through X-Forwarded-For.
  app.set('trust proxy', config.trustedProxies.length > 0 ? [...config.trustedProxies] : false);
  app.use(requestIdMiddleware);
  app.use(nulGuard);
  app.use(requestMetricsMiddleware(app.get(MetricsService)));
  app.use(helmet());
  // Only the methods whose operations take a body: a body sent with GET or DELETE is ignored, so it cannot
  // produce a 400/413/415/422 that those operations do not document.
  app.use(
    express.json({
      limit: config.bodyLimitBytes,
      type: (req) =>
        BODY_METHODS.has(req.method ?? '') &&
        Boolean((req as Request).is(['application/json', 'application/*+json'])),
    }),
  );
  app.use(bodyErrorHandler);
  app.use(bodyGuard);

  const logger = app.get(Logger);
  app.useLogger(logger);
  app.useGlobalPipes(new RequestValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter(logger));

  if (!config.isProduction) {
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config), {
      customSiteTitle: 'Autopack API',
      jsonDocumentUrl: 'docs/openapi.json',
    });
  }
}
