import { REDACTED, redactForStorage } from './redact-for-storage';

describe('redactForStorage (temporary, until the shared redactor merges)', () => {
  it.each([
    ['a bearer token', 'Authorization: Bearer abcdefghijklmnop.qrstu', 'abcdefghijklmnop'],
    ['URL credentials', 'postgres://autopack:hunter2hunter2@db:5432/x', 'hunter2hunter2'],
    ['a GitHub token', 'token ghp_0123456789abcdefghijABCDEFGHIJ012345 rejected', 'ghp_0123456789'],
    ['an OpenAI-style key', 'OPENAI_API_KEY=sk-proj-0123456789abcdefghij', 'sk-proj-0123456789'],
    ['an AWS key id', 'key AKIAABCDEFGHIJKLMNOP used', 'AKIAABCDEFGHIJKLMNOP'],
    ['a password assignment', 'login failed with password="s3cr3t!!"', 's3cr3t!!'],
    [
      'a JWT',
      'cookie eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N',
      'eyJhbGciOiJIUzI1NiJ9',
    ],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'MIIEow'],
  ])('removes %s from text', (_name, text, secret) => {
    const { value, count } = redactForStorage(text);
    expect(value).not.toContain(secret);
    expect(value).toContain(REDACTED);
    expect(count).toBeGreaterThan(0);
  });

  it('replaces values under secret-looking keys, at any depth, and keeps the rest', () => {
    const { value, count } = redactForStorage({
      attempt: 3,
      tokens_used: 120,
      env: { GITHUB_TOKEN: 'abc', db_password: 'x', apiKey: 'k', PATH: '/usr/bin' },
      list: [{ client_secret: 's' }, 'plain text'],
    });
    expect(value).toEqual({
      attempt: 3,
      tokens_used: 120,
      env: { GITHUB_TOKEN: REDACTED, db_password: REDACTED, apiKey: REDACTED, PATH: '/usr/bin' },
      list: [{ client_secret: REDACTED }, 'plain text'],
    });
    expect(count).toBe(4);
  });

  it('leaves ordinary text alone and does not mutate its input', () => {
    const input = { message: 'pytest failed: 3 tests, exit code 1', context: { file: 'src/a.ts' } };
    const copy = JSON.parse(JSON.stringify(input));
    expect(redactForStorage(input)).toEqual({ value: input, count: 0 });
    expect(input).toEqual(copy);
  });

  it('is idempotent: redacting redacted text changes nothing', () => {
    const once = redactForStorage('password=hunter2 and Bearer abcdefghijklmnop');
    expect(redactForStorage(once.value)).toEqual({ value: once.value, count: 0 });
  });
});
