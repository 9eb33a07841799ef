import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TokenService } from '../src/auth/jwt/token.service';
import { SessionsService } from '../src/auth/sessions/sessions.service';
import { loadConfig } from '../src/config/load-config';
import { createTestApp, TestApp } from './helpers/app';
import { createUser, TestUser } from './helpers/identity';
import { decodeJwt } from './helpers/jwt';
import { rememberSecret } from './helpers/secrets';

const PASSWORD = 'correct-horse-battery-staple';
const XHR = { 'X-Requested-With': 'XMLHttpRequest' };
const COOKIE = '__Secure-autopack_refresh';
const INVALID = 'Invalid or expired session; sign in again';

const cookieOf = (res: request.Response): string | undefined =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${COOKIE}=`));
const cookieValue = (setCookie: string) => setCookie.split(';')[0].slice(COOKIE.length + 1);
const sendCookie = (value: string) => ({ Cookie: `${COOKIE}=${value}` });
const HINT = 'autopack_signed_in';
const hintOf = (res: request.Response): string | undefined =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${HINT}=`));
const attributesOf = (setCookie: string) => setCookie.split(';').map((part) => part.trim().toLowerCase());
const CLEARED = /Expires=Thu, 01 Jan 1970/;

/** Issue 16: sessions with rotating, single-use refresh tokens; reuse ends the whole session. */
describe('sessions: login, refresh rotation, reuse detection, logout, listing and revocation', () => {
  let t: TestApp;
  let user: TestUser;
  let db: DataSource;

  beforeAll(async () => {
    t = await createTestApp({
      env: { AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '1000', AUTOPACK_REFRESH_RATE_LIMIT_PER_MINUTE: '1000' },
    });
    db = t.app.get(DataSource);
    user = await createUser(t, { role: 'operator', password: PASSWORD });
  });
  afterAll(() => t.close());

  const login = async (extra: object = {}) => {
    const res = await request(t.http)
      .post('/api/auth/login')
      .set('User-Agent', 'sessions-spec/1.0')
      .send({ username: user.username, password: PASSWORD, ...extra })
      .expect(200);
    rememberSecret(
      res.body.access_token,
      res.body.refresh_token,
      cookieOf(res) && cookieValue(cookieOf(res)!),
    );
    return res;
  };
  const me = (token: string) => request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
  const auditTypes = async (sessionId: string) =>
    (
      await db.query('SELECT event_type AS type FROM audit_events WHERE subject_id = $1 ORDER BY position', [
        sessionId,
      ])
    ).map((row: { type: string }) => row.type);

  it('login sets the refresh token as an HttpOnly, Secure, SameSite=Strict cookie scoped to the refresh path only', async () => {
    const res = await login();
    const cookie = cookieOf(res)!;
    expect(cookie).toBeDefined();
    const attributes = cookie.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(
      expect.arrayContaining(['httponly', 'secure', 'samesite=strict', 'path=/api/auth/refresh']),
    );
    expect(attributes.some((a) => a.startsWith('expires='))).toBe(true);
    expect(res.body.refresh_token).toBeUndefined();
    expect(cookieValue(cookie)).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    // The access token names its session; only a hash of the refresh token is stored.
    expect(decodeJwt(res.body.access_token).payload.sid).toBe(res.body.session_id);
    const stored = await db.query('SELECT token_hash FROM auth_refresh_tokens');
    expect(JSON.stringify(stored)).not.toContain(cookieValue(cookie));
    expect((await login({ include_refresh_token: true })).body.refresh_token).toMatch(/^rt_/);
  });

  it('a signed-in hint the console can read (no secret in it) comes and goes with the refresh cookie', async () => {
    const signedIn = await login();
    const hint = hintOf(signedIn)!;
    expect(hint).toBeDefined();
    // Readable by the console's pages (their path, not HttpOnly), otherwise as strict as the refresh cookie.
    expect(hint.split(';')[0]).toBe(`${HINT}=1`);
    expect(attributesOf(hint)).toEqual(
      expect.arrayContaining(['secure', 'samesite=strict', 'path=/console/']),
    );
    expect(attributesOf(hint)).not.toContain('httponly');
    const expiresOf = (setCookie: string) => attributesOf(setCookie).find((a) => a.startsWith('expires='));
    expect(expiresOf(hint)).toBeDefined();
    expect(expiresOf(hint)).toBe(expiresOf(cookieOf(signedIn)!));
    expect((await login({ include_refresh_token: true })).headers['set-cookie']).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${HINT}=1;`))]),
    );

    // Each rotation sets it again, with the new cookie's lifetime.
    const refreshed = await request(t.http)
      .post('/api/auth/refresh')
      .set({ ...sendCookie(cookieValue(cookieOf(signedIn)!)), ...XHR })
      .send({})
      .expect(200);
    rememberSecret(cookieValue(cookieOf(refreshed)!), refreshed.body.access_token);
    expect(hintOf(refreshed)!.split(';')[0]).toBe(`${HINT}=1`);
    expect(expiresOf(hintOf(refreshed)!)).toBe(expiresOf(cookieOf(refreshed)!));
    // A body refresh (no browser) sets neither cookie.
    const bodyClient = await login({ include_refresh_token: true });
    const byBody = await request(t.http)
      .post('/api/auth/refresh')
      .send({ refresh_token: bodyClient.body.refresh_token })
      .expect(200);
    rememberSecret(byBody.body.refresh_token, byBody.body.access_token);
    expect(byBody.headers['set-cookie']).toBeUndefined();

    // Cleared wherever the refresh cookie is: a refused refresh, a logout by cookie, ending this session.
    const refused = await request(t.http)
      .post('/api/auth/refresh')
      .set({ ...sendCookie(cookieValue(cookieOf(signedIn)!)), ...XHR })
      .send({});
    expect(refused.status).toBe(401);
    expect(cookieOf(refused)).toMatch(CLEARED);
    expect(hintOf(refused)).toMatch(CLEARED);
    expect(attributesOf(hintOf(refused)!)).toEqual(expect.arrayContaining(['path=/console/']));
    const loggedOut = await request(t.http)
      .post('/api/auth/logout')
      .set({ ...sendCookie(cookieValue(cookieOf(await login())!)), ...XHR })
      .send({})
      .expect(204);
    expect(hintOf(loggedOut)).toMatch(CLEARED);
    const current = await login();
    const other = await login();
    const auth = { Authorization: `Bearer ${current.body.access_token}` };
    const endedOther = await request(t.http)
      .delete(`/api/auth/sessions/${other.body.session_id}`)
      .set(auth)
      .expect(204);
    expect(hintOf(endedOther)).toBeUndefined();
    const endedOwn = await request(t.http)
      .delete(`/api/auth/sessions/${current.body.session_id}`)
      .set(auth)
      .expect(204);
    expect(cookieOf(endedOwn)).toMatch(CLEARED);
    expect(hintOf(endedOwn)).toMatch(CLEARED);
    // A hint without its refresh cookie (the browser dropped it) is cleared by the one refresh it causes.
    const orphan = await request(t.http)
      .post('/api/auth/refresh')
      .set({ Cookie: `${HINT}=1`, ...XHR })
      .send({});
    expect(orphan.status).toBe(400);
    expect(hintOf(orphan)).toMatch(CLEARED);
  });

  it('a cookie refresh without X-Requested-With is refused (403, CSRF) and uses nothing up', async () => {
    const value = cookieValue(cookieOf(await login())!);
    const refused = await request(t.http).post('/api/auth/refresh').set(sendCookie(value)).send({});
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'A cookie-authenticated call needs the header X-Requested-With: XMLHttpRequest',
    );
    const wrongValue = await request(t.http)
      .post('/api/auth/refresh')
      .set({ ...sendCookie(value), 'X-Requested-With': 'fetch' })
      .send({});
    expect(wrongValue.status).toBe(403);
    // The token was not used: it still refreshes once the header is there.
    await request(t.http)
      .post('/api/auth/refresh')
      .set({ ...sendCookie(value), ...XHR })
      .send({})
      .expect(200);
  });

  it('rotates: each refresh gives a new access token and cookie; the old one is single-use', async () => {
    const first = await login();
    const r1 = cookieValue(cookieOf(first)!);
    const refreshed = await request(t.http)
      .post('/api/auth/refresh')
      .set({ ...sendCookie(r1), ...XHR })
      .send({});
    expect(refreshed.status).toBe(200);
    const r2 = cookieValue(cookieOf(refreshed)!);
    rememberSecret(r2, refreshed.body.access_token);
    expect(r2).not.toBe(r1);
    expect(refreshed.body.refresh_token).toBeUndefined();
    expect(refreshed.body.session_id).toBe(first.body.session_id);
    expect(refreshed.body.access_token).not.toBe(first.body.access_token);
    // A refreshed token is a token of the same session: it works like the first one.
    expect((await me(refreshed.body.access_token)).status).toBe(200);
    expect((await me(first.body.access_token)).status).toBe(200);
    const r3 = cookieValue(
      cookieOf(
        await request(t.http)
          .post('/api/auth/refresh')
          .set({ ...sendCookie(r2), ...XHR })
          .send({}),
      )!,
    );
    rememberSecret(r3);
    expect(r3).toBeDefined();
  });

  it('a reused refresh token revokes the whole session family, is audited, and is a plain 401', async () => {
    const first = await login({ include_refresh_token: true });
    const stolen = first.body.refresh_token as string;
    const legit = await request(t.http).post('/api/auth/refresh').send({ refresh_token: stolen }).expect(200);
    const next = legit.body.refresh_token as string;
    rememberSecret(next, legit.body.access_token);

    const replay = await request(t.http).post('/api/auth/refresh').send({ refresh_token: stolen });
    expect(replay.status).toBe(401);
    expect(replay.body.message).toBe(INVALID);
    // The whole family is gone: the newest refresh token and every access token of the session.
    expect((await request(t.http).post('/api/auth/refresh').send({ refresh_token: next })).status).toBe(401);
    expect((await me(legit.body.access_token)).status).toBe(401);
    expect((await me(first.body.access_token)).status).toBe(401);
    expect(await auditTypes(first.body.session_id)).toEqual([
      'session.started',
      'session.refreshed',
      'session.refresh_token_reused',
    ]);
    const [row] = await db.query('SELECT revoked_reason FROM auth_sessions WHERE id = $1', [
      first.body.session_id,
    ]);
    expect(row.revoked_reason).toBe('refresh_token_reused');
  });

  it('two concurrent refreshes with one token: one wins, the other is reuse (never two live branches)', async () => {
    const token = (await login({ include_refresh_token: true })).body.refresh_token as string;
    const results = await Promise.all(
      [0, 1].map(() => request(t.http).post('/api/auth/refresh').send({ refresh_token: token })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    rememberSecret(winner.body.refresh_token, winner.body.access_token);
    expect((await me(winner.body.access_token)).status).toBe(401);
  });

  it('refuses garbage, unknown and oversized refresh tokens with one 4xx answer and no 500', async () => {
    for (const value of ['x', `rt_${'A'.repeat(43)}`, 'rt_', `rt_${'A'.repeat(42)}!`, 'é'.repeat(100)]) {
      const res = await request(t.http).post('/api/auth/refresh').send({ refresh_token: value });
      expect([value.slice(0, 10), res.status, res.body.message]).toEqual([value.slice(0, 10), 401, INVALID]);
    }
    for (const body of [{ refresh_token: 'x'.repeat(129) }, { refresh_token: 7 }, { other: 1 }]) {
      const res = await request(t.http).post('/api/auth/refresh').send(body);
      expect(res.status).toBe(422);
    }
    const none = await request(t.http).post('/api/auth/refresh').set(XHR).send({});
    expect(none.status).toBe(400);
    expect(Object.keys(none.body).sort()).toEqual(['error', 'message', 'request_id', 'statusCode']);
  });

  it('logout ends the session (body or cookie + header) and clears the cookie; the access token stops', async () => {
    const bodyClient = await login({ include_refresh_token: true });
    await request(t.http)
      .post('/api/auth/logout')
      .send({ refresh_token: bodyClient.body.refresh_token })
      .expect(204);
    expect((await me(bodyClient.body.access_token)).status).toBe(401);
    expect(
      (await request(t.http).post('/api/auth/logout').send({ refresh_token: bodyClient.body.refresh_token }))
        .status,
    ).toBe(401);

    const browser = await login();
    const value = cookieValue(cookieOf(browser)!);
    expect((await request(t.http).post('/api/auth/logout').set(sendCookie(value)).send({})).status).toBe(403);
    expect((await me(browser.body.access_token)).status).toBe(200);
    const out = await request(t.http)
      .post('/api/auth/logout')
      .set({ ...sendCookie(value), ...XHR })
      .send({});
    expect(out.status).toBe(204);
    expect(cookieOf(out)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await me(browser.body.access_token)).status).toBe(401);
  });

  it('lists the user’s own active sessions (created, last used, agent, address) and revokes one; others get 404', async () => {
    const a = await login();
    const b = await login();
    const auth = { Authorization: `Bearer ${a.body.access_token}` };
    const list = await request(t.http).get('/api/auth/sessions').set(auth).expect(200);
    const mine = list.body.sessions.find((s: { id: string }) => s.id === a.body.session_id);
    expect(mine).toMatchObject({
      method: 'password',
      user_agent: 'sessions-spec/1.0',
      current: true,
      ip_address: expect.any(String),
    });
    expect(Object.keys(mine).sort()).toEqual(
      [
        'created_at',
        'current',
        'expires_at',
        'id',
        'ip_address',
        'last_used_at',
        'method',
        'user_agent',
      ].sort(),
    );
    expect(list.body.sessions.find((s: { id: string }) => s.id === b.body.session_id).current).toBe(false);

    // Someone else's session is not yours: 404, and it keeps working.
    const other = await createUser(t, { role: 'admin' });
    expect((await request(t.http).delete(`/api/auth/sessions/${other.sessionId}`).set(auth)).status).toBe(
      404,
    );
    expect((await me(other.token)).status).toBe(200);
    expect((await request(t.http).delete('/api/auth/sessions/not-a-uuid').set(auth)).status).toBe(400);

    await request(t.http).delete(`/api/auth/sessions/${b.body.session_id}`).set(auth).expect(204);
    expect((await me(b.body.access_token)).status).toBe(401);
    expect((await request(t.http).delete(`/api/auth/sessions/${b.body.session_id}`).set(auth)).status).toBe(
      404,
    );
    expect((await me(a.body.access_token)).status).toBe(200);
  });

  it('an admin ends all of a user’s sessions; a non-admin cannot', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const target = await createUser(t, { role: 'viewer' });
    const second = await t.app
      .get(SessionsService)
      .startSession((await db.query('SELECT * FROM users WHERE id = $1', [target.id]))[0], 'password', {
        userAgent: null,
        ipAddress: null,
      });
    rememberSecret(second.accessToken, second.refreshToken);
    expect(
      (await request(t.http).delete(`/api/auth/users/${target.id}/sessions`).set(target.auth)).status,
    ).toBe(403);
    const res = await request(t.http).delete(`/api/auth/users/${target.id}/sessions`).set(admin.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 2 });
    expect((await me(target.token)).status).toBe(401);
    expect((await me(second.accessToken)).status).toBe(401);
    expect((await me(admin.token)).status).toBe(200);
    expect(
      (
        await request(t.http)
          .delete(`/api/auth/users/00000000-0000-4000-8000-000000000000/sessions`)
          .set(admin.auth)
      ).status,
    ).toBe(404);
  });

  it('ends an idle session and one past its absolute lifetime (refresh and access tokens alike)', async () => {
    const idle = await login({ include_refresh_token: true });
    await db.query("UPDATE auth_sessions SET last_used_at = now() - interval '13 hours' WHERE id = $1", [
      idle.body.session_id,
    ]);
    expect((await me(idle.body.access_token)).status).toBe(401);
    expect(
      (await request(t.http).post('/api/auth/refresh').send({ refresh_token: idle.body.refresh_token }))
        .status,
    ).toBe(401);

    const old = await login({ include_refresh_token: true });
    await db.query("UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
      old.body.session_id,
    ]);
    expect((await me(old.body.access_token)).status).toBe(401);
    expect(
      (await request(t.http).post('/api/auth/refresh').send({ refresh_token: old.body.refresh_token }))
        .status,
    ).toBe(401);
  });

  it('refresh of a disabled user fails and the session is gone', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const victim = await createUser(t, { role: 'viewer' });
    await request(t.http)
      .patch(`/api/auth/users/${victim.id}`)
      .set(admin.auth)
      .send({ disabled: true })
      .expect(200);
    expect(
      (await request(t.http).post('/api/auth/refresh').send({ refresh_token: victim.refreshToken })).status,
    ).toBe(401);
    const [row] = await db.query('SELECT revoked_reason FROM auth_sessions WHERE id = $1', [
      victim.sessionId,
    ]);
    expect(row.revoked_reason).toBe('user_disabled');
  });

  it('an access token without a session id, or of an unknown session, is refused', async () => {
    const stranger = t.app
      .get(TokenService)
      .issue(
        { id: user.id, username: user.username, role: 'operator' },
        '00000000-0000-4000-8000-000000000000',
      );
    rememberSecret(stranger.accessToken);
    expect((await me(stranger.accessToken)).status).toBe(401);
  });
});

/** Signing-key rotation while a session is live: two replicas on one database, before and after. */
describe('signing-key rotation', () => {
  const pem = () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  };

  it('tokens of the previous key stay valid, new ones use the current key, the JWKS serves both', async () => {
    const oldKey = pem();
    const newKey = pem();
    const before = await createTestApp({ env: { ...oldKey } });
    const database = { url: before.config.databaseUrl!, name: before.databaseName };
    const after = await createTestApp({
      database,
      env: {
        JWT_PRIVATE_KEY: newKey.JWT_PRIVATE_KEY,
        JWT_PUBLIC_KEY: newKey.JWT_PUBLIC_KEY,
        JWT_PREVIOUS_PUBLIC_KEYS: oldKey.JWT_PUBLIC_KEY,
      },
    });
    const retired = await createTestApp({ database, env: { ...newKey } });
    try {
      const user = await createUser(before, { role: 'viewer' });
      const oldKid = decodeJwt(user.token).header.kid;
      const me = (app: TestApp, token: string) =>
        request(app.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);

      // After the rotation, the live session's token of the old key still works…
      expect((await me(after, user.token)).status).toBe(200);
      // …its refresh comes back signed by the new key…
      const refreshed = await request(after.http)
        .post('/api/auth/refresh')
        .send({ refresh_token: user.refreshToken });
      expect(refreshed.status).toBe(200);
      rememberSecret(refreshed.body.access_token, refreshed.body.refresh_token);
      const newKid = decodeJwt(refreshed.body.access_token).header.kid;
      expect(newKid).not.toBe(oldKid);
      expect((await me(after, refreshed.body.access_token)).status).toBe(200);
      // …and the JWKS lists the current key first, then the previous one.
      const jwks = await request(after.http).get('/api/auth/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual([newKid, oldKid]);

      // Once the previous key is dropped from the configuration, its tokens stop working; the new ones don't.
      expect((await me(retired, user.token)).status).toBe(401);
      expect((await me(retired, refreshed.body.access_token)).status).toBe(200);
      // A replica that never knew the new key refuses the new token (kid selects the key; no fallback).
      expect((await me(before, refreshed.body.access_token)).status).toBe(401);
    } finally {
      await Promise.all([before.close(), after.close(), retired.close()]);
    }
  });

  it('refuses to start with a previous key that is not an RSA public key of at least 2048 bits', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => loadConfig({ JWT_PREVIOUS_PUBLIC_KEYS: 'not a key' })).toThrow(
      /JWT_PREVIOUS_PUBLIC_KEYS: must hold one or more PEM public keys/,
    );
    expect(() => loadConfig({ JWT_PREVIOUS_PUBLIC_KEYS: small })).toThrow(/at least 2048 bits/);
  });

  it('production refuses a refresh cookie without Secure (AUTOPACK_COOKIE_SECURE=0); development may drop it', () => {
    expect(() => loadConfig({ AUTOPACK_ENV: 'production', AUTOPACK_COOKIE_SECURE: '0' })).toThrow(
      /AUTOPACK_COOKIE_SECURE: production refuses 0/,
    );
    expect(loadConfig({ AUTOPACK_COOKIE_SECURE: '0' }).cookieSecure).toBe(false);
    expect(loadConfig({}).cookieSecure).toBe(true);
  });
});
