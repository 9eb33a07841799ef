import type { ArgumentsHost, LoggerService } from '@nestjs/common';
import { HttpExceptionFilter } from './http-exception.filter';

describe('HttpExceptionFilter', () => {
  it('logs an unexpected error with its secrets redacted and answers a bare 500', () => {
    const logged: unknown[] = [];
    const logger = { error: (entry: unknown) => logged.push(entry) } as unknown as LoggerService;
    let status = 0;
    let body: unknown;
    const res = {
      status(code: number) {
        status = code;
        return this;
      },
      json(value: unknown) {
        body = value;
      },
    };
    const host = {
      switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ id: 'req-9' }) }),
    } as unknown as ArgumentsHost;

    new HttpExceptionFilter(logger).catch(
      new Error('connect failed for postgres://autopack:hunter2pw@db:5432/app'),
      host,
    );

    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('postgres://');
    const entry = JSON.stringify(logged);
    expect(entry).not.toContain('hunter2pw');
    expect(entry).toContain('postgres://[REDACTED:url_credentials]@db:5432/app');
  });
});
