import { DEFAULT_RETURN_TO, safeReturnTo } from './return-to';

describe('safeReturnTo: only a relative path under /console/ (no open redirect)', () => {
  it.each(['/console/', '/console/runs', '/console/runs/r-1?tab=phases#top', '/console/a.b/c_d-e~f'])(
    'accepts %s',
    (path) => expect(safeReturnTo(path)).toBe(path),
  );

  it('defaults to the console home when absent', () =>
    expect(safeReturnTo(undefined)).toBe(DEFAULT_RETURN_TO));

  it.each([
    '',
    '/console',
    '/',
    '/api/auth/me',
    'console/runs',
    'https://evil.example/console/',
    '//evil.example/console/',
    '/console//evil.example',
    '/\\evil.example/console/',
    '/console/\\\\evil.example',
    '/console/%2F%2Fevil.example',
    '/console/%5cevil.example',
    '/console/../api/auth/me',
    '/console/%2e%2e/api',
    '/console/./x',
    '/console/ runs',
    '/console/\trun',
    '/console/\nSet-Cookie:x=1',
    'javascript:alert(1)',
    '/console/' + 'a'.repeat(600),
  ])('refuses %j', (path) => expect(safeReturnTo(path)).toBeNull());

  it('refuses what is not a string (repeated query parameters arrive as arrays)', () => {
    expect(safeReturnTo(['/console/', '//evil.example'])).toBeNull();
  });
});
