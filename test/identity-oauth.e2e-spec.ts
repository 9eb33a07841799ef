import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { createTestDatabase } from './helpers/database';
import { createUser, mintApiKey, TestUser } from './helpers/identity';
import { startTokenServer, TokenServer } from './helpers/token-server';
import { rememberSecret } from './helpers/secrets';

/** A fresh secret, recorded so that the end-of-run log scan proves it was never logged. */
function secret(label: string): string {
  const value = `${label}-${randomBytes(18).toString('base64url')}`;
  rememberSecret(value);
  return value;
}

/** Every value of every row of the credential tables, as text and as raw bytes. */
async function dumpCredentialTables(t: TestApp): Promise<{ text: string; bytes: Buffer[] }> {
  const dataSource = t.app.get(DataSource);
  const text: string[] = [];
  const bytes: Buffer[] = [];
  for (const table of ['oauth_credentials', 'oauth_credential_events']) {
    for (const row of await dataSource.query(`SELECT t.*, t::text AS row_text FROM ${table} t`)) {
      for (const value of Object.values(row)) {
        if (Buffer.isBuffer(value)) bytes.push(value);
        else text.push(typeof value === 'string' ? value : JSON.stringify(value));
      }
    }
  }
  return { text: text.join('\n'), bytes };
}

function expectNoSecretIn(dump: { text: string; bytes: Buffer[] }, secrets: string[]) {
  for (const value of secrets) {
    expect(dump.text).not.toContain(value);
    expect(dump.text).not.toContain(Buffer.from(value).toString('hex'));
    for (const bytes of dump.bytes) expect(bytes.includes(Buffer.from(value))).toBe(false);
  }
}

describe('OAuth credential store', () => {
  let t: TestApp;
  let admin: TestUser;
  let tokens: TokenServer;
  const credentialsKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    tokens = await startTokenServer();
    t = await createTestApp({ env: { AUTOPACK_CREDENTIALS_KEY: credentialsKey } });
    admin = await createUser(t, { role: 'admin' });
  });
  afterAll(async () => {
    await t.close();
    await tokens.close();
  });

  const put = (provider: string, body: object, who: Record<string, string> = admin.auth) =>
    request(t.http).put(`/api/auth/oauth/credentials/${provider}`).set(who).send(body);
  const health = (provider: string) =>
    request(t.http).get(`/api/auth/oauth/health/${provider}`).set(admin.auth);

  it('stores secrets encrypted: responses show hints only and a dump of the tables holds no plaintext', async () => {
    const stored = {
      client_id: 'etsy-client-id',
      client_secret: secret('client-secret'),
      access_token: secret('access-token'),
      refresh_token: secret('refresh-token'),
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      token_url: tokens.url,
    };
    const res = await put('etsy', stored);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      provider: 'etsy',
      status: 'valid',
      client_id: 'etsy-client-id',
      client_secret_hint: `****${stored.client_secret.slice(-4)}`,
      access_token_hint: `****${stored.access_token.slice(-4)}`,
      refresh_token_hint: `****${stored.refresh_token.slice(-4)}`,
      expires_at: stored.expires_at,
    });
    const secrets = [stored.client_secret, stored.access_token, stored.refresh_token];
    const everything = JSON.stringify([
      res.body,
      (await health('etsy')).body,
      (await request(t.http).get('/api/auth/oauth/health').set(admin.auth)).body,
      (await request(t.http).get('/api/auth/oauth/events').set(admin.auth)).body,
    ]);
    for (const value of secrets) expect(everything).not.toContain(value);
    expectNoSecretIn(await dumpCredentialTables(t), secrets);

    const [row] = await t.app
      .get(DataSource)
      .query(`SELECT * FROM oauth_credentials WHERE provider = 'etsy'`);
    expect(row.client_secret_enc[0]).toBe(1); // the sealed format's version byte
    expect(row.client_secret_enc.length).toBeGreaterThan(1 + 12 + 16);
  });

  it('reports every configured provider; unconfigured ones as not_configured', async () => {
    const res = await request(t.http).get('/api/auth/oauth/health').set(admin.auth);
    expect(res.status).toBe(200);
    expect(res.body.providers.map((p: { provider: string }) => p.provider)).toEqual([
      'broker',
      'etsy',
      'shopify',
      'youtube',
    ]);
    expect(res.body.providers.find((p: { provider: string }) => p.provider === 'youtube').status).toBe(
      'not_configured',
    );
    expect((await health('myspace')).status).toBe(404);
    expect((await health('Bad Name!')).status).toBe(400);
  });

  it('derives expiring and expired from the expiry', async () => {
    await put('shopify', {
      client_id: 'shop',
      access_token: secret('a'),
      token_url: tokens.url,
      expires_at: new Date(Date.now() + 120_000).toISOString(),
    }).expect(200);
    expect((await health('shopify')).body.status).toBe('expiring');
    await put('shopify', { expires_at: new Date(Date.now() - 1000).toISOString() }).expect(200);
    const expired = await health('shopify');
    expect(expired.body.status).toBe('expired');
    expect(expired.body.expires_in_seconds).toBeLessThan(0);
  });

  it('refreshes with a real refresh-token grant against the token URL, storing the new tokens encrypted', async () => {
    const refreshToken = secret('refresh');
    const clientSecret = secret('client-secret');
    await put('youtube', {
      client_id: 'yt client',
      client_secret: clientSecret,
      refresh_token: refreshToken,
      access_token: secret('old-access'),
      token_url: tokens.url,
    }).expect(200);
    const newAccess = secret('new-access');
    const newRefresh = secret('new-refresh');
    tokens.respond(200, {
      access_token: newAccess,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: newRefresh,
    });
    const before = tokens.requests.length;

    const res = await request(t.http).post('/api/auth/oauth/refresh/youtube').set(admin.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'valid',
      access_token_hint: `****${newAccess.slice(-4)}`,
      refresh_token_hint: `****${newRefresh.slice(-4)}`,
      consecutive_failures: 0,
      last_refreshed_at: expect.any(String),
    });
    expect(res.body.expires_in_seconds).toBeGreaterThan(3500);

    // What the provider received: RFC 6749 §6 with HTTP Basic client authentication.
    expect(tokens.requests).toHaveLength(before + 1);
    const sent = tokens.requests[before];
    expect(sent.form.get('grant_type')).toBe('refresh_token');
    expect(sent.form.get('refresh_token')).toBe(refreshToken);
    expect(sent.form.get('client_secret')).toBeNull();
    expect(sent.authorization).toBe(`Basic ${Buffer.from(`yt+client:${clientSecret}`).toString('base64')}`);

    // The rotated refresh token is the one used next time.
    tokens.respond(200, { access_token: secret('third'), expires_in: 60 });
    await request(t.http).post('/api/auth/oauth/refresh/youtube').set(admin.auth).expect(200);
    expect(tokens.requests[before + 1].form.get('refresh_token')).toBe(newRefresh);

    expectNoSecretIn(await dumpCredentialTables(t), [refreshToken, clientSecret, newAccess, newRefresh]);
    const events = await request(t.http).get('/api/auth/oauth/events?provider=youtube').set(admin.auth);
    expect(events.body.events.map((e: { event: string }) => e.event)).toEqual([
      'refreshed',
      'refreshed',
      'stored',
    ]);
    expect(events.body.events[0].actor).toBe(admin.principalId);
  });

  it('refuses a second refresh while the first may still be talking to the provider, and takes over an abandoned one', async () => {
    await put('youtube', { client_id: 'y', refresh_token: secret('r'), token_url: tokens.url }).expect(200);
    const db = t.app.get(DataSource);
    // A refresh started this long ago (seconds) by a process that may still be running, or has died.
    const startedAgo = (seconds: number) =>
      db.query(
        `UPDATE oauth_credentials SET status = 'refresh_pending', refresh_started_at = now() - make_interval(secs => $1)
         WHERE provider = 'youtube'`,
        [seconds],
      );
    const timeout = t.config.oauthRefreshTimeoutMs / 1000;
    await startedAgo(timeout + 20); // past the deadline, within the margin: it may still be running
    const running = await request(t.http).post('/api/auth/oauth/refresh/youtube').set(admin.auth);
    expect([running.status, running.body.message]).toEqual([
      409,
      'A refresh of "youtube" is already running',
    ]);

    await startedAgo(timeout + 31); // past deadline and margin: abandoned
    tokens.respond(200, { access_token: secret('at'), token_type: 'bearer', expires_in: 3600 });
    const takeover = await request(t.http).post('/api/auth/oauth/refresh/youtube').set(admin.auth);
    expect(takeover.status).toBe(200);
    expect((await health('youtube')).body.status).toBe('valid');
  });

  it('records a refused refresh (refresh_failed, counts, 502) and resets the counts on request', async () => {
    await put('broker', { client_id: 'b', refresh_token: secret('r'), token_url: tokens.url }).expect(200);
    tokens.respond(400, {
      error: 'invalid_grant',
      error_description: 'token revoked, and here is a secret echo',
    });
    for (let i = 1; i <= 2; i++) {
      const res = await request(t.http).post('/api/auth/oauth/refresh/broker').set(admin.auth);
      expect(res.status).toBe(502);
      expect(res.body.message).toMatch(/invalid_grant/);
      expect(res.body.message).not.toMatch(/secret echo/);
    }
    const failed = (await health('broker')).body;
    expect(failed).toMatchObject({
      status: 'refresh_failed',
      consecutive_failures: 2,
      total_failures: 2,
      last_error: 'invalid_grant',
    });
    expect(failed.last_failure_at).toEqual(expect.any(String));

    // A public client (no secret) sends its client_id in the form instead of Basic auth.
    expect(tokens.requests.at(-1)!.authorization).toBeUndefined();
    expect(tokens.requests.at(-1)!.form.get('client_id')).toBe('b');

    const reset = await request(t.http).post('/api/auth/oauth/reset/broker').set(admin.auth);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({
      status: 'valid',
      consecutive_failures: 0,
      total_failures: 0,
      last_error: null,
    });
    const events = await request(t.http).get('/api/auth/oauth/events?provider=broker').set(admin.auth);
    expect(events.body.events.map((e: { event: string }) => e.event)).toEqual([
      'reset',
      'refresh_failed',
      'refresh_failed',
      'stored',
    ]);
    expect(JSON.stringify(events.body)).not.toMatch(/secret echo/);
  });

  it('reports a provider that cannot be reached as refresh_failed (network_error)', async () => {
    await put('broker', { token_url: 'http://127.0.0.1:9/token' }).expect(200);
    const res = await request(t.http).post('/api/auth/oauth/refresh/broker').set(admin.auth);
    expect(res.status).toBe(502);
    expect((await health('broker')).body).toMatchObject({
      status: 'refresh_failed',
      last_error: 'network_error',
    });
    await put('broker', { token_url: tokens.url }).expect(200);
  });

  it('rotates and revokes, recording each lifecycle event without secrets', async () => {
    const rotated = secret('rotated-secret');
    const res = await put('etsy', { client_secret: rotated });
    expect(res.body).toMatchObject({
      client_id: 'etsy-client-id',
      client_secret_hint: `****${rotated.slice(-4)}`,
    });
    const revoked = await request(t.http).delete('/api/auth/oauth/credentials/etsy').set(admin.auth);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({
      status: 'revoked',
      client_secret_hint: null,
      access_token_hint: null,
    });
    const [row] = await t.app
      .get(DataSource)
      .query(`SELECT * FROM oauth_credentials WHERE provider = 'etsy'`);
    expect([row.client_secret_enc, row.access_token_enc, row.refresh_token_enc]).toEqual([null, null, null]);
    expect((await request(t.http).post('/api/auth/oauth/refresh/etsy').set(admin.auth)).status).toBe(404);

    const events = await request(t.http).get('/api/auth/oauth/events?provider=etsy&limit=2').set(admin.auth);
    expect(events.body.events.map((e: { event: string }) => e.event)).toEqual(['revoked', 'rotated']);
    expect(events.body.events[1].detail).toEqual({ fields: ['client_secret'] });
    expect(JSON.stringify(events.body)).not.toContain(rotated);
  });

  it('validates stores: first store needs client_id and token_url; URLs with credentials are refused', async () => {
    await request(t.http).delete('/api/auth/oauth/credentials/youtube').set(admin.auth).expect(200);
    const fresh = await createTestApp({ env: { AUTOPACK_CREDENTIALS_KEY: credentialsKey } });
    try {
      const boss = await createUser(fresh, { role: 'admin' });
      const store = (body: object) =>
        request(fresh.http).put('/api/auth/oauth/credentials/etsy').set(boss.auth).send(body);
      expect((await store({ client_id: 'x' })).status).toBe(422);
      expect((await store({ client_id: 'x', token_url: 'ftp://x/token' })).status).toBe(422);
      expect((await store({ client_id: 'x', token_url: 'https://user:pw@x/token' })).status).toBe(422);
      expect((await store({ client_id: 'x', token_url: 'https://x/token', password: 'y' })).status).toBe(422);
      expect((await store({ client_id: 'x', token_url: 'https://x/token', expires_at: 'soon' })).status).toBe(
        422,
      );
      expect(
        (await request(fresh.http).put('/api/auth/oauth/credentials/myspace').set(boss.auth).send({})).status,
      ).toBe(404);
    } finally {
      await fresh.close();
    }
  });

  it('leaves changes to admins: operators and machine keys are refused; readers may see health', async () => {
    const operator = await createUser(t, { role: 'operator' });
    expect((await put('etsy', { client_secret: 'x' }, operator.auth)).status).toBe(403);
    expect((await put('etsy', { client_secret: 'x' }, { 'X-API-Key': TEST_INSTANCE_KEY })).status).toBe(403);
    expect((await request(t.http).post('/api/auth/oauth/refresh/etsy').set(operator.auth)).status).toBe(403);
    expect((await request(t.http).post('/api/auth/oauth/reset/etsy').set(operator.auth)).status).toBe(403);
    const reader = await mintApiKey(t, ['runs:read'], { createdBy: admin });
    expect((await request(t.http).get('/api/auth/oauth/health').set(reader.headers)).status).toBe(200);
    expect((await request(t.http).get('/api/auth/oauth/events').set(operator.auth)).status).toBe(200);
    expect((await request(t.http).get('/api/auth/oauth/health')).status).toBe(401);
  });
});

describe('OAuth credential store: keys and production', () => {
  it('refuses to store anything without AUTOPACK_CREDENTIALS_KEY (503), never in plaintext', async () => {
    const t = await createTestApp();
    try {
      const admin = await createUser(t, { role: 'admin' });
      const res = await request(t.http)
        .put('/api/auth/oauth/credentials/etsy')
        .set(admin.auth)
        .send({ client_id: 'x', client_secret: 'plain-secret-never-stored', token_url: 'https://x/token' });
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/AUTOPACK_CREDENTIALS_KEY/);
      expect(await t.app.get(DataSource).query('SELECT * FROM oauth_credentials')).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('refuses a token URL that is not https in production, at store time', async () => {
    const t = await createTestApp({ env: { AUTOPACK_ENV: 'production' } });
    try {
      const admin = await createUser(t, { role: 'admin' });
      const store = (token_url: string) =>
        request(t.http)
          .put('/api/auth/oauth/credentials/etsy')
          .set(admin.auth)
          .send({ client_id: 'x', token_url });
      const res = await store('http://provider.example/token');
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(/https in production/);
      expect((await store('https://provider.example/token')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('production refuses to start when credentials are stored and the key is missing or wrong', async () => {
    const database = await createTestDatabase();
    const key = randomBytes(32).toString('base64');
    const first = await createTestApp({ database, env: { AUTOPACK_CREDENTIALS_KEY: key } });
    const admin = await createUser(first, { role: 'admin' });
    await request(first.http)
      .put('/api/auth/oauth/credentials/etsy')
      .set(admin.auth)
      .send({ client_id: 'x', client_secret: secret('s'), token_url: 'https://x/token' })
      .expect(200);
    await first.close();

    // Credential storage off (so loadConfig needs no key), but a credential sits in the database.
    await expect(
      createTestApp({
        database,
        env: {
          AUTOPACK_ENV: 'production',
          AUTOPACK_OAUTH_PROVIDERS: 'none',
          AUTOPACK_CREDENTIALS_KEY: undefined,
        },
      }),
    ).rejects.toThrow(/OAuth credentials are stored in the database but AUTOPACK_CREDENTIALS_KEY/);
    await expect(
      createTestApp({
        database,
        env: { AUTOPACK_ENV: 'production', AUTOPACK_CREDENTIALS_KEY: randomBytes(32).toString('base64') },
      }),
    ).rejects.toThrow(/does not decrypt the stored credentials of "etsy"/);

    // The right key starts.
    const again = await createTestApp({
      database,
      env: { AUTOPACK_ENV: 'production', AUTOPACK_CREDENTIALS_KEY: key },
    });
    await again.close();
  });
});
