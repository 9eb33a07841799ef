import { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { requestMetricsMiddleware } from '../observability/request-metrics.middleware';
import { buildOpenApiDocument } from '../openapi/openapi';
import { consoleStatic, publicApiPrefix } from './console-static';
import { HttpExceptionFilter } from './http-exception.filter';
import { jsonBodyMiddleware } from './json-body';
import { nulGuard } from './nul-guard';
import { requestIdMiddleware } from './request-id';
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
  app.use(publicApiPrefix);
  app.use(requestIdMiddleware);
  app.use(nulGuard);
  app.use(requestMetricsMiddleware(app.get(MetricsService)));
  app.use(helmet());
  // The operator console's static files (public, secret-free) and its stricter CSP: see console-static.ts.
  app.use(consoleStatic());
  app.use(...jsonBodyMiddleware(config.bodyLimitBytes));
  // Only the refresh cookie is read (src/auth/sessions/refresh-cookie.ts); unsigned, it is a bearer secret.
  app.use(cookieParser());

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
