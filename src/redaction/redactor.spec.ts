import { REDACTION_RULES } from './redaction-rules';
import {
  isSecretKey,
  redactJson,
  redactString,
  redactStringWithSpans,
  SECRET_FIELD_MARKER,
} from './redactor';

// Fake secrets are assembled at run time so that no scanner mistakes this file for a leak.
const rep = (chars: string, n: number) => chars.repeat(Math.ceil(n / chars.length)).slice(0, n);
const JWT = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJpYXQiOjE3MDAwMDAwMDB9.${rep('sIgN4tuRe_-', 43)}`;
const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  rep('MIIEowIBAAKCAQEAx9', 64),
  rep('q8v0Zb1Kx', 40),
  '-----END RSA PRIVATE KEY-----',
].join('\n');

/** One true positive per rule: the text, and the secret that must be gone from the output. */
const TRUE_POSITIVES: Record<string, Array<{ text: string; secret: string }>> = {
  private_key: [
    { text: `key:\n${PEM}\ntrailer`, secret: 'MIIEowIBAAKCAQEA' },
    { text: `-----BEGIN OPENSSH PRIVATE KEY-----\n${rep('b3BlbnNzaC1rZXk', 70)}`, secret: 'b3BlbnNzaC1rZXk' },
  ],
  authorization_header: [
    { text: 'Authorization: Basic dXNlcjpodW50ZXIy', secret: 'dXNlcjpodW50ZXIy' },
    { text: '{"authorization":"Token abc123secretvalue"}', secret: 'abc123secretvalue' },
  ],
  cookie_header: [
    { text: 'Cookie: session=s3ss10n-v4lue; theme=dark', secret: 's3ss10n-v4lue' },
    { text: 'set-cookie: sid=zz9plural; HttpOnly', secret: 'zz9plural' },
  ],
  api_key_header: [
    { text: 'curl -H "X-API-Key: k3y-0123456789abcdef" https://x', secret: 'k3y-0123456789abcdef' },
  ],
  url_credentials: [
    { text: 'DATABASE_URL=postgres://autopack:hunter2pw@db:5432/app', secret: 'hunter2pw' },
    { text: 'cloning https://deploy:s3cr3tPass@git.example.com/repo.git', secret: 's3cr3tPass' },
  ],
  slack_webhook: [
    {
      text: `posting to https://hooks.slack.com/services/T000/B000/${rep('XyZ', 24)}`,
      secret: rep('XyZ', 24),
    },
  ],
  secret_assignment: [
    { text: 'login failed for password=hunter2 user=bob', secret: 'hunter2' },
    { text: 'GET /cb?code=1&access_token=atok3n99&state=x', secret: 'atok3n99' },
    { text: "client_secret: 'cs-very-private'", secret: 'cs-very-private' },
    { text: 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY', secret: 'wJalrXUtnFEMI' },
    { text: '{"api_key": "plainapikeyvalue"}', secret: 'plainapikeyvalue' },
    { text: '{"password": "correct horse battery staple"}', secret: 'battery staple' },
    { text: '{"token":"tok\\"with-escaped\\"quote"}', secret: 'with-escaped' },
    { text: "secret='two words'", secret: 'words' },
  ],
  bearer_token: [
    { text: 'sent Bearer abcdefghijklmnopqrstuvwxyz0123 upstream', secret: 'abcdefghijklmnopqrstuvwxyz0123' },
  ],
  jwt: [{ text: `session ${JWT} expired`, secret: JWT.split('.')[1] }],
  aws_access_key: [{ text: 'using key AKIAIOSFODNN7EXAMPLE for s3', secret: 'AKIAIOSFODNN7EXAMPLE' }],
  github_token: [
    { text: `pushed with ${'ghp_'}${rep('A1b2C3', 36)}`, secret: rep('A1b2C3', 36) },
    { text: `${'gho_'}${rep('z9Y8', 36)} and ${'ghs_'}${rep('Q7r', 36)}`, secret: rep('z9Y8', 36) },
    { text: `token ${'github_pat_'}${rep('11ABCDEFG0_', 82)}`, secret: rep('11ABCDEFG0_', 82) },
    { text: `user ${'ghu_'}${rep('Uu9', 36)} done`, secret: rep('Uu9', 36) },
  ],
  gitlab_token: [
    { text: `git remote uses ${'glpat-'}${rep('xY7_zQ-', 20)}`, secret: rep('xY7_zQ-', 20) },
    { text: `deploy ${'gldt-'}${rep('Dd3', 24)}`, secret: rep('Dd3', 24) },
    { text: `runner ${'glrt-'}${rep('Rr5', 24)}`, secret: rep('Rr5', 24) },
  ],
  slack_token: [{ text: `bot ${'xoxb-'}1234567890-0987654321-${rep('AbCd', 24)}`, secret: rep('AbCd', 24) }],
  stripe_key: [
    { text: `charge with ${'sk_live_'}${rep('51HxYz', 24)}`, secret: rep('51HxYz', 24) },
    { text: `hook ${'whsec_'}${rep('Wh00kS', 32)}`, secret: rep('Wh00kS', 32) },
  ],
  npm_token: [{ text: `publishing with ${'npm_'}${rep('N9pm', 36)}`, secret: rep('N9pm', 36) }],
  google_api_key: [{ text: `maps ${'AIza'}${rep('Sy-G00gl_e', 35)} ok`, secret: rep('Sy-G00gl_e', 35) }],
  autopack_api_key: [
    { text: `executor key ${'apk_dev_'}${rep('Qm9vX2Jhcl9-', 43)}`, secret: rep('Qm9vX2Jhcl9-', 43) },
  ],
};

const FALSE_POSITIVES = [
  'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'run-2026-01-01-abc',
  'phase-3 of run-2026-01-01-abc finished in 42 s with token_cap 50000 and max_tokens=4096',
  'The operator reset the password policy; secrets are rotated monthly.',
  'Bearer of good news: the build passed.',
  'git commit 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b touched src/auth/token.ts',
  'https://github.com/org/repo/pull/12 and postgres://db.internal:5432/app',
  'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'eyJust a word, AKIA is short, ghp_short, apk_tiny, sk_test_x',
  'run-7f3c2a1e-2026 started; phase P1 of tier T1 is QUEUED',
  'glpat is a prefix, gldt- alone is nothing, and "quoted prose" stays',
  'The token bucket refills; cookies are baked at 180 degrees.',
];

describe('redactString', () => {
  it('has a true-positive fixture for every rule', () => {
    expect(Object.keys(TRUE_POSITIVES).sort()).toEqual(REDACTION_RULES.map((rule) => rule.name).sort());
  });

  for (const [rule, fixtures] of Object.entries(TRUE_POSITIVES)) {
    it.each(fixtures)(`finds ${rule} in %#`, ({ text, secret }) => {
      expect(text).toContain(secret);
      const { value, count } = redactString(text);
      expect(value).not.toContain(secret);
      expect(value).toContain(`[REDACTED:${rule}]`);
      expect(count).toBeGreaterThanOrEqual(1);
    });
  }

  it.each(FALSE_POSITIVES)('leaves ordinary text alone: %s', (text) => {
    expect(redactString(text)).toEqual({ value: text, count: 0 });
  });

  it('keeps the context around a secret', () => {
    expect(redactString('password=hunter2 user=bob').value).toBe(
      'password=[REDACTED:secret_assignment] user=bob',
    );
    expect(redactString('postgres://autopack:pw@db:5432/app').value).toBe(
      'postgres://[REDACTED:url_credentials]@db:5432/app',
    );
    expect(redactString(`Authorization: Bearer ${JWT}\nHost: x`).value).toBe(
      'Authorization: [REDACTED:authorization_header]\nHost: x',
    );
  });

  it('counts every occurrence', () => {
    const text = `a=${'ghp_'}${rep('a', 36)} b=${'ghp_'}${rep('b', 36)} AKIAIOSFODNN7EXAMPLE`;
    expect(redactString(text).count).toBe(3);
  });

  it('is deterministic and idempotent', () => {
    for (const { text } of Object.values(TRUE_POSITIVES).flat()) {
      const once = redactString(text);
      expect(redactString(text)).toEqual(once);
      expect(redactString(once.value)).toEqual({ value: once.value, count: 0 });
    }
  });
});

describe('redactStringWithSpans', () => {
  const samples = [
    ...Object.values(TRUE_POSITIVES)
      .flat()
      .map(({ text }) => text),
    ...FALSE_POSITIVES,
    `a ${JWT} b password=x c AKIAIOSFODNN7EXAMPLE d`,
    'Cookie: foo Authorization: bar baz\nnext line password="p w"',
    'literal [REDACTED:jwt] stays; token=abc',
  ];

  it.each(samples)('agrees with redactString and places every marker exactly: %#', (text) => {
    const detailed = redactStringWithSpans(text);
    const plain = redactString(text);
    expect(detailed.value).toBe(plain.value);
    expect(detailed.count).toBe(plain.count);
    let previousEnd = 0;
    let shift = 0;
    for (const span of detailed.spans) {
      expect(span.start).toBeGreaterThanOrEqual(previousEnd);
      expect(detailed.value.slice(span.start, span.end)).toMatch(/\[REDACTED:[a-z_]+\]$/);
      // The text between markers is the input's, unchanged.
      expect(detailed.value.slice(previousEnd, span.start)).toBe(
        text.slice(previousEnd - shift, span.sourceStart),
      );
      shift = span.end - span.sourceEnd;
      previousEnd = span.end;
    }
    expect(detailed.value.slice(previousEnd)).toBe(text.slice(previousEnd - shift));
  });

  it('makes one span of a marker a later rule swallowed', () => {
    const { value, spans } = redactStringWithSpans('Cookie: a Authorization: b');
    expect(value).toBe('Cookie: [REDACTED:cookie_header]');
    expect(spans).toEqual([
      { start: 8, end: value.length, sourceStart: 8, sourceEnd: 26, rule: 'cookie_header' },
    ]);
  });
});

describe('isSecretKey', () => {
  it.each([
    'password',
    'db_password',
    'Secret',
    'client_secret',
    'api_key',
    'apiKey',
    'X-API-Key',
    'token',
    'access_token',
    'refreshToken',
    'github_token',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'private_key',
    'pwd',
  ])('treats %s as secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each([
    'token_cap',
    'max_tokens',
    'api_key_id',
    'key_id',
    'run_id',
    'password_changed_at',
    'secret_ref',
    'username',
  ])('treats %s as ordinary', (key) => expect(isSecretKey(key)).toBe(false));
});

describe('redactJson', () => {
  it('redacts secret-named fields whatever their value, and secret-looking strings anywhere', () => {
    const input = {
      run_id: 'run-2026-01-01-abc',
      password: 'hunter2',
      nested: { apiKey: 12345, headers: { Authorization: 'Bearer xyz', 'x-request-id': 'r-1' } },
      client_secret: { value: 'cs', rotated: true },
      list: [`see ${JWT}`, 'plain'],
      has_token: true,
      token: null,
    };
    const { value, count } = redactJson(input);
    expect(value).toEqual({
      run_id: 'run-2026-01-01-abc',
      password: SECRET_FIELD_MARKER,
      nested: {
        apiKey: SECRET_FIELD_MARKER,
        headers: { Authorization: SECRET_FIELD_MARKER, 'x-request-id': 'r-1' },
      },
      client_secret: SECRET_FIELD_MARKER,
      list: ['see [REDACTED:jwt]', 'plain'],
      has_token: true,
      token: null,
    });
    expect(count).toBe(5);
    expect(input.password).toBe('hunter2'); // the input is not modified
  });

  it('is deterministic and idempotent, down to the bytes', () => {
    const input = { a: [{ token: 'x' }, 'password=1'], b: 'AKIAIOSFODNN7EXAMPLE' };
    const once = redactJson(input);
    expect(JSON.stringify(redactJson(input).value)).toBe(JSON.stringify(once.value));
    expect(redactJson(once.value)).toEqual({ value: once.value, count: 0 });
  });

  it('keeps a "__proto__" key from parsed JSON as an ordinary member', () => {
    const parsed = JSON.parse('{"__proto__": {"password": "p"}, "x": 1}') as { [key: string]: never };
    const { value } = redactJson(parsed);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__', 'x']);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"password":"[REDACTED:secret_field]"},"x":1}');
  });
});
