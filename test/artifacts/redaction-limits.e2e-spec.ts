import request from 'supertest';
import { REDACTION_RULES } from '../../src/redaction/redaction-rules';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { fileUrl, runDir, startRun, writeFiles } from '../helpers/artifacts';

// Fake secrets are assembled at run time so that no scanner mistakes this file for a leak.
const rep = (chars: string, n: number) => chars.repeat(Math.ceil(n / chars.length)).slice(0, n);

/** One artifact per rule: its text and the secret that must not leave the server. */
const TRUE_POSITIVES: Record<string, { text: string; secret: string }> = {
  private_key: {
    text: `key:\n-----BEGIN ${'RSA'} PRIVATE KEY-----\n${rep('MIIEowIBAAKCAQEAx9', 64)}\n-----END RSA PRIVATE KEY-----\n`,
    secret: 'MIIEowIBAAKCAQEA',
  },
  authorization_header: {
    text: 'GET / HTTP/1.1\nAuthorization: Basic dXNlcjpodW50ZXIy\n',
    secret: 'dXNlcjpodW50ZXIy',
  },
  cookie_header: { text: 'Set-Cookie: sid=zz9plural-s3ss10n; HttpOnly\n', secret: 'zz9plural-s3ss10n' },
  api_key_header: {
    text: '{"headers":{"X-API-Key":"k3y-0123456789abcdef"}}',
    secret: 'k3y-0123456789abcdef',
  },
  url_credentials: { text: 'clone https://deploy:s3cr3tPass@git.example.com/r.git', secret: 's3cr3tPass' },
  slack_webhook: {
    text: `hook https://hooks.slack.com/services/T0/B0/${rep('XyZ', 24)}`,
    secret: rep('XyZ', 24),
  },
  secret_assignment: { text: '{"password": "correct horse battery staple"}', secret: 'battery staple' },
  bearer_token: {
    text: 'curl -H "X: Bearer abcdefghijklmnopqrstuvwxyz0123"',
    secret: 'abcdefghijklmnopqrstuvwxyz0123',
  },
  jwt: {
    text: `session eyJhbGciOiJIUzI1NiJ9.${'eyJ'}zdWIiOiJ1c2VyLTEifQ.${rep('sIgN4tuRe_-', 43)} expired`,
    secret: rep('sIgN4tuRe_-', 43),
  },
  aws_access_key: { text: 'using AKIAIOSFODNN7EXAMPLE for s3', secret: 'AKIAIOSFODNN7EXAMPLE' },
  github_token: { text: `pushed with ${'ghp_'}${rep('A1b2C3', 36)}`, secret: rep('A1b2C3', 36) },
  gitlab_token: { text: `remote ${'glpat-'}${rep('xY7_zQ-', 20)}`, secret: rep('xY7_zQ-', 20) },
  slack_token: { text: `bot ${'xoxb-'}1234567890-${rep('AbCd', 24)}`, secret: rep('AbCd', 24) },
  stripe_key: { text: `charge ${'sk_live_'}${rep('51HxYz', 24)}`, secret: rep('51HxYz', 24) },
  npm_token: {
    text: `publish with ${'npm_'}${rep('N9pm', 36)}`,
    secret: rep('N9pm', 36),
  },
  google_api_key: { text: `maps ${'AIza'}${rep('Sy-G00gl_e', 35)} ok`, secret: rep('Sy-G00gl_e', 35) },
  autopack_api_key: { text: `key ${'apk_live_'}${rep('Qm9vX2Jh', 43)}`, secret: rep('Qm9vX2Jh', 43) },
};

/** Must come back byte for byte. */
const FALSE_POSITIVES = [
  'f47ac10b-58cc-4372-a567-0e02b2c3d479 550e8400-e29b-41d4-a716-446655440000',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'run-2026-01-01-abc finished; run_id=run-7f3c2a1e tokens_used=4096 token_cap=50000',
  'The operator reset the password policy; secrets are rotated monthly and keys live in the vault.\n',
  'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 commit 1a2b3c4d5e6f7a8b9c0d',
];

describe('artifacts: redaction at the boundary', () => {
  let t: TestApp;
  let runId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTOPACK_ARTIFACT_REDACTION: '1' } });
    runId = await startRun(t);
    writeFiles(runDir(t, runId), {
      ...Object.fromEntries(
        Object.entries(TRUE_POSITIVES).map(([rule, { text }]) => [`tp/${rule}.txt`, text]),
      ),
      ...Object.fromEntries(FALSE_POSITIVES.map((text, i) => [`fp/${i}.txt`, text])),
    });
  });
  afterAll(() => t.close());

  it('has an artifact fixture for every rule of the redactor', () => {
    expect(Object.keys(TRUE_POSITIVES).sort()).toEqual(REDACTION_RULES.map((rule) => rule.name).sort());
  });

  it.each(Object.entries(TRUE_POSITIVES))(
    '%s: the secret never leaves (redaction on by configuration)',
    async (rule, { secret }) => {
      const res = await request(t.http)
        .get(fileUrl(runId, `tp/${rule}.txt`))
        .set('X-API-Key', TEST_INSTANCE_KEY);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.text).toContain(`[REDACTED:${rule}]`);
      expect(res.headers['x-artifact-redacted']).toBe('true');
      expect(Number(res.headers['x-artifact-redaction-count'])).toBeGreaterThanOrEqual(1);
      // ?redact=false does not turn configured redaction off.
      const asked = await request(t.http)
        .get(fileUrl(runId, `tp/${rule}.txt`, '&redact=false'))
        .set('X-API-Key', TEST_INSTANCE_KEY);
      expect(asked.text).toBe(res.text);
    },
  );

  it.each(FALSE_POSITIVES.map((text, i) => [i, text] as const))(
    'false positive %i survives byte for byte',
    async (i, text) => {
      const res = await request(t.http)
        .get(fileUrl(runId, `fp/${i}.txt`))
        .set('X-API-Key', TEST_INSTANCE_KEY);
      expect(res.text).toBe(text);
      expect(res.headers['x-artifact-redaction-count']).toBe('0');
      expect(res.headers['x-artifact-redacted']).toBe('true');
    },
  );
});

describe('artifacts: defaults and limits', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((t) => t.close())));

  it('redacts by default in production', async () => {
    const t = await createTestApp({ env: { AUTOPACK_ENV: 'production' } });
    apps.push(t);
    expect(t.config.artifactRedaction).toBe(true);
    const runId = await startRun(t);
    writeFiles(runDir(t, runId), { 'a.txt': TRUE_POSITIVES.github_token.text });
    const res = await request(t.http).get(fileUrl(runId, 'a.txt')).set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.text).toBe('pushed with [REDACTED:github_token]');
  });

  it('limits index and file reads per principal (429)', async () => {
    const t = await createTestApp({
      env: {
        AUTOPACK_RATE_LIMIT_ARTIFACTS_INDEX_PER_MINUTE: '2',
        AUTOPACK_RATE_LIMIT_ARTIFACTS_FILE_PER_MINUTE: '3',
      },
    });
    apps.push(t);
    const runId = await startRun(t);
    writeFiles(runDir(t, runId), { 'a.txt': 'a' });
    const statuses = async (path: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++)
        out.push((await request(t.http).get(path).set('X-API-Key', TEST_INSTANCE_KEY)).status);
      return out;
    };
    expect(await statuses(`/runs/${runId}/artifacts/index`, 3)).toEqual([200, 200, 429]);
    expect(await statuses(fileUrl(runId, 'a.txt'), 4)).toEqual([200, 200, 200, 429]);
  });
});
