import { DynamicModule, Global, Injectable, LoggerService, Module } from '@nestjs/common';
import { destination, pino } from 'pino';
import type { Logger as Pino, LoggerOptions } from 'pino';
import { AppConfig } from '../config/app-config';
import { currentRequestId } from './request-id';

/** Fields whose values never reach a log line, at the top of a log object or one level down. */
const SECRET_FIELDS = [
  'password',
  'secret',
  'token',
  'api_key',
  'apiKey',
  'access_token',
  'refresh_token',
  'client_secret',
  'authorization',
];

const REDACTED_LOG_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`)];

/**
 * The app's structured JSON log (pino), one per app instance. Every line written while a request is being
 * served carries its `request_id`, read from the request's async context (src/http/request-id.ts): no
 * per-request child logger is built, which is what made the request path measurably slower (docs/PERFORMANCE.md).
 */
export function createAppLogger(config: AppConfig): Pino {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId === null ? {} : { request_id: requestId };
    },
  };
  if (config.logFile === undefined) return pino(options);
  // Synchronous appends: no line is lost when the process ends right after a request (tests, crashes).
  return pino(options, destination({ dest: config.logFile, append: true, mkdir: true, sync: true }));
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's logger interface over the app's pino log: `new Logger(Context.name).log(...)` anywhere in the app
 * and Nest's own messages become JSON lines with a `context` field. Nest passes the context as the last
 * argument; an object message is merged into the line, an Error becomes `err`.
 */
@Injectable()
export class AppLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const params = [...rest];
    if (params.length > 0) fields.context = params.pop();
    // Nest's exception handlers call error(message, stack, context): keep the stack as the error's.
    if (
      level === 'error' &&
      typeof message === 'string' &&
      typeof params[0] === 'string' &&
      /\n\s*at /.test(params[0])
    ) {
      fields.err = { message, stack: params[0] };
      this.pino.error(fields, message);
      return;
    }
    if (message instanceof Error) fields.err = message;
    else if (typeof message === 'object' && message !== null) Object.assign(fields, message);
    const text = typeof message === 'object' ? params.map(String).join(' ') || undefined : String(message);
    this.pino[level](fields, text);
  }
}

/** Makes the app's `AppLogger` injectable everywhere (main.ts hands it to Nest with `app.useLogger`). */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: AppLogger, useFactory: () => new AppLogger(createAppLogger(config)) }],
      exports: [AppLogger],
    };
  }
}
