import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TEST_CREDENTIALS_KEY } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { createUser, TestUser } from '../helpers/identity';
import { startTokenServer, TokenServer } from '../helpers/token-server';

const json =
  (status: number, text: string, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(text);
  };
const ECHOED_SECRET = 'provider-echo-7f3a9c';
/** Where the redirecting answer points: a second token endpoint that would hand out a token. */
let redirectTo = '';

/**
 * What a hostile or broken token endpoint may answer, and the short code the refresh records for it.
 * Each answer echoes a marker that must never reach our response, health or events.
 */
const BAD_ANSWERS: Array<[string, (res: ServerResponse) => void, string]> = [
  ['malformed JSON', json(200, `{"access_token": "${ECHOED_SECRET}",`), 'invalid_token_response'],
  ['a JSON array', json(200, `["${ECHOED_SECRET}"]`), 'invalid_token_response'],
  [
    'no access_token',
    json(200, JSON.stringify({ token_type: 'Bearer', note: ECHOED_SECRET })),
    'invalid_token_response',
  ],
  [
    'an empty access_token',
    json(200, JSON.stringify({ access_token: '', token_type: 'Bearer' })),
    'invalid_token_response',
  ],
  [
    'a numeric access_token',
    json(200, JSON.stringify({ access_token: 12345, token_type: 'Bearer' })),
    'invalid_token_response',
  ],
  [
    'a token_type other than bearer',
    json(200, JSON.stringify({ access_token: ECHOED_SECRET, token_type: 'mac' })),
    'invalid_token_response',
  ],
  [
    'an access_token with CR/LF (header injection)',
    json(200, JSON.stringify({ access_token: `${ECHOED_SECRET}\r\nX-Injected: 1`, token_type: 'Bearer' })),
    'invalid_token_response',
  ],
  [
    'an access_token of 9000 characters',
    json(200, JSON.stringify({ access_token: 'a'.repeat(9000), token_type: 'Bearer' })),
    'invalid_token_response',
  ],
  [
    'a negative expires_in',
    json(200, JSON.stringify({ access_token: ECHOED_SECRET, token_type: 'Bearer', expires_in: -60 })),
    'invalid_token_response',
  ],
  [
    'a non-numeric expires_in',
    json(200, JSON.stringify({ access_token: ECHOED_SECRET, token_type: 'Bearer', expires_in: 'forever' })),
    'invalid_token_response',
  ],
  [
    'a body over 64 KiB (streamed, 2 MiB)',
    (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`{"access_token":"${ECHOED_SECRET}","pad":"`);
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 32 && !res.destroyed; i++) res.write(chunk);
      res.end('"}');
    },
    'response_too_large',
  ],
  [
    'a 500 with an HTML page',
    json(500, `<html>${ECHOED_SECRET} stack trace</html>`, { 'Content-Type': 'text/html' }),
    'http_500',
  ],
  [
    'a 400 with an OAuth error and a description echoing secrets',
    json(400, JSON.stringify({ error: 'invalid_grant', error_description: ECHOED_SECRET })),
    'invalid_grant',
  ],
  [
    'a 400 whose error code is not a code',
    json(400, JSON.stringify({ error: `<script>${ECHOED_SECRET}</script>` })),
    'http_400',
  ],
  [
    'a 302 redirect to another token endpoint',
    (res) => json(302, '', { Location: redirectTo })(res),
    'http_302',
  ],
  ['no answer at all (timeout)', () => undefined, 'timeout'],
  [
    'headers, then a body that never ends (slow drip)',
    (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"access_token":"');
    },
    'timeout',
  ],
  [
    'a connection dropped mid-answer',
    (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"access_token":"x');
      res.socket?.destroy();
    },
    'network_error',
  ],
];

/**
 * OWASP API10:2023 Unsafe Consumption of APIs: the one third-party API the server consumes is a
 * provider's OAuth token endpoint (the refresh grant). Its answer is validated before anything is
 * stored: every malformed, oversized, slow, redirected or failed answer is a clean 502 with a short
 * code, no 5xx of ours, no echo of the provider's body, and the stored credential byte for byte unchanged.
 */
describe('OWASP API10 unsafe consumption: a bad OAuth token endpoint answer changes nothing', () => {
  let t: TestApp;
  let admin: TestUser;
  let tokens: TokenServer;
  let redirectTarget: TokenServer;

  const credentialRow = async () =>
    (
      await t.app.get(DataSource).query(
        `SELECT access_token_enc, refresh_token_enc, access_token_hint, refresh_token_hint, expires_at, token_url
             FROM oauth_credentials WHERE provider = 'youtube'`,
      )
    )[0];
  const refresh = () => request(t.http).post('/api/auth/oauth/refresh/youtube').set(admin.auth);

  beforeAll(async () => {
    tokens = await startTokenServer();
    redirectTarget = await startTokenServer();
    redirectTarget.respond(200, {
      access_token: 'stolen-by-redirect',
      token_type: 'Bearer',
      expires_in: 3600,
    });
    redirectTo = redirectTarget.url;
    t = await createTestApp({
      env: { AUTOPACK_CREDENTIALS_KEY: TEST_CREDENTIALS_KEY, AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS: '1' },
    });
    admin = await createUser(t, { role: 'admin' });
    await request(t.http)
      .put('/api/auth/oauth/credentials/youtube')
      .set(admin.auth)
      .send({
        client_id: 'yt-client',
        client_secret: 'client-secret-value',
        access_token: 'original-access-token',
        refresh_token: 'original-refresh-token',
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        token_url: tokens.url,
      })
      .expect(200);
  });
  afterAll(async () => {
    await t.close();
    await tokens.close();
    await redirectTarget.close();
  });

  it.each(BAD_ANSWERS.map(([name, answer, code]) => [name, code, answer] as const))(
    '%s → 502, refresh_failed with code %s, stored credential unchanged',
    async (_name, code, answer) => {
      const before = await credentialRow();
      const sent = tokens.requests.length;
      tokens.respondWith(answer);

      const res = await refresh();
      expect(res.status).toBe(502);
      expect(res.body).toEqual({
        statusCode: 502,
        error: 'Bad Gateway',
        message: `The provider refused the refresh (${code}); see /api/auth/oauth/health`,
        request_id: expect.any(String),
      });
      expect(tokens.requests.length).toBe(sent + 1);
      expect(redirectTarget.requests).toHaveLength(0);

      expect(await credentialRow()).toEqual(before);
      const health = await request(t.http).get('/api/auth/oauth/health/youtube').set(admin.auth);
      expect(health.body).toMatchObject({
        status: 'refresh_failed',
        last_error: code,
        access_token_hint: '****oken',
        refresh_token_hint: '****oken',
      });
      const events = await request(t.http)
        .get('/api/auth/oauth/events?provider=youtube&limit=1')
        .set(admin.auth);
      expect(events.body.events[0]).toMatchObject({ event: 'refresh_failed', detail: { error: code } });
      for (const text of [res.text, health.text, events.text]) {
        expect(text).not.toContain(ECHOED_SECRET);
        expect(text).not.toContain('stolen-by-redirect');
      }
    },
  );

  it('a well-formed answer still refreshes (the cases above fail on their content, not on the setup)', async () => {
    tokens.respond(200, { access_token: 'fresh-access-token-ok', token_type: 'bearer', expires_in: 3600 });
    const res = await refresh();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'valid', access_token_hint: '****n-ok', last_error: null });
    expect(tokens.requests.at(-1)!.form.get('refresh_token')).toBe('original-refresh-token');
  });
});
