import { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { requestMetricsMiddleware } from '../observability/request-metrics.middleware';
import { buildOpenApiDocument } from '../openapi/openapi';
import { consoleStatic, publicApiPrefix } from './console-static';
import { HttpExceptionFilter } from './http-exception.filter';
import { jsonBodyMiddleware } from './json-body';
import { AppLogger } from './logging';
import { nulGuard } from './nul-guard';
import { requestIdMiddleware } from './request-id';
import { requestLogMiddleware } from './request-log';
import { RequestValidationPipe } from './request-validation.pipe';

/** Options for NestFactory.create and Test.createNestApplication alike: the body parser is ours (below). */
export const NEST_APP_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

/**
 * The HTTP setup shared by main.ts and every e2e test, so what is tested is what runs: proxy trust,
 * request ids, security headers, the JSON body limit, validation, the error envelope, logs, and the
 * Swagger UI (outside production only).
 */
export function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  // Only named proxies may set the client address through X-Forwarded-For.
  app.set('trust proxy', config.trustedProxies.length > 0 ? [...config.trustedProxies] : false);
  // Express's automatic ETag hashed every JSON answer (a measurable share of the request path) for a
  // revalidation no API client uses: answers are `no-store` below. Artifact listings keep their own ETag.
  app.set('etag', false);
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  app.use(publicApiPrefix);
  app.use(requestIdMiddleware);
  app.use(requestLogMiddleware(logger.pino));
  app.use(nulGuard);
  app.use(requestMetricsMiddleware(app.get(MetricsService)));
  app.use(helmet());
  // The operator console's static files (public, secret-free) and its stricter CSP: see console-static.ts.
  app.use(consoleStatic());
  // API answers carry run data and tokens: never stored by a browser or a shared cache (routes may narrow
  // this, e.g. artifact listings revalidate by ETag).
  app.use(noStore);
  app.use(...jsonBodyMiddleware(config.bodyLimitBytes));
  // Only the refresh cookie is read (src/auth/sessions/refresh-cookie.ts); unsigned, it is a bearer secret.
  app.use(cookieParser());

  app.useGlobalPipes(new RequestValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter(logger));

  if (!config.isProduction) {
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config), {
      customSiteTitle: 'Autopack API',
      jsonDocumentUrl: 'docs/openapi.json',
    });
  }
}

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
