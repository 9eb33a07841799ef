import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../auth/principal';
import { loadConfig } from '../config/load-config';
import { AppLogger, createAppLogger } from './logging';
import { requestIdMiddleware } from './request-id';
import { requestLogMiddleware } from './request-log';

function loggerToFile(): { logger: AppLogger; lines: () => Array<Record<string, unknown>> } {
  const file = join(mkdtempSync(join(tmpdir(), 'autopack-logging-')), 'app.log');
  const config = loadConfig({
    AUTOPACK_ENV: 'test',
    AUTOPACK_API_KEY: 'logging-spec-key-0123456789abcdef',
    LOG_LEVEL: 'debug',
    LOG_FILE: file,
  });
  const logger = new AppLogger(createAppLogger(config));
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

describe('the app log', () => {
  it('stamps every line written while a request is served with its request_id, and no other line', () => {
    const { logger, lines } = loggerToFile();
    const req = { headers: { 'x-request-id': 'req-logging-spec' } } as unknown as AuthenticatedRequest;
    const res = { setHeader: () => undefined } as unknown as Response;
    requestIdMiddleware(req, res, () => logger.log('inside', 'Spec'));
    logger.log('outside', 'Spec');
    expect(lines()).toEqual([
      expect.objectContaining({ msg: 'inside', context: 'Spec', request_id: 'req-logging-spec' }),
      expect.not.objectContaining({ request_id: expect.anything() }),
    ]);
  });

  it('takes Nest calling shapes: object messages merged, errors as err, the context last', () => {
    const { logger, lines } = loggerToFile();
    logger.log({ config: { port: 1 } }, 'Bootstrap');
    logger.error(new Error('boom'), 'Spec');
    logger.error('failed', 'Error: failed\n    at somewhere (file.js:1:1)', 'ExceptionsHandler');
    logger.warn({ password: 'never-in-a-log-1234', nested: { token: 'never-either-5678' } }, 'Spec');
    const [config, error, nestError, redacted] = lines();
    expect(config).toMatchObject({ level: 30, context: 'Bootstrap', config: { port: 1 } });
    expect(error).toMatchObject({ level: 50, context: 'Spec', err: { message: 'boom' } });
    expect(nestError).toMatchObject({
      level: 50,
      context: 'ExceptionsHandler',
      msg: 'failed',
      err: { stack: expect.stringContaining('at somewhere') },
    });
    expect(redacted).toMatchObject({ password: '[REDACTED]', nested: { token: '[REDACTED]' } });
  });

  it('logs one line per finished request: method, path without its query, status, time; 5xx at error', () => {
    const { logger, lines } = loggerToFile();
    const middleware = requestLogMiddleware(logger.pino);
    const serve = (url: string, statusCode: number, finished = true) => {
      const req = { id: `req-${statusCode}`, method: 'GET', originalUrl: url } as unknown as Request;
      const res = Object.assign(new EventEmitter(), { statusCode, writableFinished: finished });
      middleware(req, res as unknown as Response, (() => undefined) as NextFunction);
      res.emit('close');
      res.emit('close'); // once per request, whatever the socket does after
    };
    serve('/api/runs?api_key=query-secret-1234&limit=5', 200);
    serve('/runs/r-1', 503);
    serve('/runs', 200, false);
    const logged = lines();
    expect(logged).toHaveLength(3);
    expect(logged[0]).toMatchObject({
      level: 30,
      request_id: 'req-200',
      req: { method: 'GET', path: '/api/runs' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: 'GET /api/runs 200',
    });
    expect(JSON.stringify(logged[0])).not.toContain('query-secret');
    expect(logged[1]).toMatchObject({ level: 50, msg: 'GET /runs/r-1 503' });
    expect(logged[2]).toMatchObject({ aborted: true });
    expect(logged[0]).not.toHaveProperty('aborted');
  });
});
