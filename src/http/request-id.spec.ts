import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/principal';
import { requestIdMiddleware } from './request-id';

function run(offered: string | undefined): string {
  const req = { headers: offered === undefined ? {} : { 'x-request-id': offered } } as AuthenticatedRequest;
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as Response;
  requestIdMiddleware(req, res, () => undefined);
  expect(headers['X-Request-ID']).toBe(req.id);
  return String(req.id);
}

describe('requestIdMiddleware', () => {
  it('keeps a short safe token', () => {
    expect(run('run-42:attempt.1')).toBe('run-42:attempt.1');
    expect(run('x'.repeat(128))).toBe('x'.repeat(128));
  });

  it.each(['', 'x'.repeat(129), 'a\nb', 'a\r\nSet-Cookie: x=1', 'a b', 'ü'])('replaces %j', (offered) => {
    const id = run(offered);
    expect(id).not.toBe(offered);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('generates one when none is sent', () => {
    expect(run(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
