import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { destination } from 'pino';
import type { AppConfig } from '../config/app-config';

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

/** Header and field names whose values never reach a log line. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
];

type RequestWithId = IncomingMessage & { id?: unknown };

/** Structured JSON logs (pino); every line of a request carries its request id. */
export function loggerParams(config: AppConfig): Params {
  const options = {
    level: config.logLevel,
    genReqId: (req: RequestWithId) => String(req.id ?? ''),
    customProps: (req: RequestWithId) => ({ request_id: req.id }),
    redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
    serializers: {
      // The path without its query string: a query may carry something sensitive.
      req: (req: RequestWithId & { method: string; url: string }) => ({
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customSuccessMessage: (req, res) => `${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode}`,
    quietReqLogger: true,
  } satisfies Params['pinoHttp'];
  if (config.logFile === undefined) return { pinoHttp: options };
  // Synchronous appends: no line is lost when the process ends right after a request (tests, crashes).
  return {
    pinoHttp: [options, destination({ dest: config.logFile, append: true, mkdir: true, sync: true })],
  };
}
