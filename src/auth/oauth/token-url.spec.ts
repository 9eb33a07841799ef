import { tokenUrlProblem } from './token-url';

describe('tokenUrlProblem', () => {
  it('accepts https everywhere and http outside production only', () => {
    expect(tokenUrlProblem('https://api.etsy.com/v3/public/oauth/token', true)).toBeNull();
    expect(tokenUrlProblem('http://127.0.0.1:8080/token', false)).toBeNull();
    expect(tokenUrlProblem('http://127.0.0.1:8080/token', true)).toMatch(/https in production/);
  });

  it.each([
    'not a url',
    'ftp://x/token',
    'file:///etc/passwd',
    'https://user:pw@x/token',
    'https://x/token#frag',
  ])('refuses %s', (url) => {
    expect(tokenUrlProblem(url, false)).not.toBeNull();
  });
});
