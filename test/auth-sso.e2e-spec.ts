import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from './helpers/app';
import { createUser, TestUser } from './helpers/identity';
import { authorizeAtProvider, OidcProvider, startOidcProvider } from './helpers/oidc-provider';
import { rememberSecret } from './helpers/secrets';

const CLIENT_ID = 'autopack-console';
const CLIENT_SECRET = 'sso-client-secret-0123456789abcdef';
const REDIRECT_URI = 'https://autopack.example/api/auth/sso/callback';
const XHR = { 'X-Requested-With': 'XMLHttpRequest' };
const REFRESH_COOKIE = '__Secure-autopack_refresh';
const SSO_COOKIE = '__Secure-autopack_sso';

const ACCOUNTS = {
  alice: {
    email: 'alice@example.com',
    email_verified: true,
    groups: ['autopack-users'],
    preferred_username: 'alice',
  },
  carol: { email: 'carol@example.com', email_verified: true, groups: ['autopack-users', 'autopack-admins'] },
  bob: { email: 'bob@example.com', email_verified: true, groups: ['other'] },
  mallory: { email: 'mallory@evil.example', email_verified: true, groups: ['autopack-users'] },
  eve: { email: 'eve@example.com', email_verified: false, groups: ['autopack-users'] },
  dave: { email: 'dave@example.com', email_verified: true, groups: ['autopack-users'] },
  frank: { email: 'frank@example.com', email_verified: true, groups: ['autopack-users'] },
};

const setCookies = (res: request.Response): string[] =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []);
const cookieValue = (res: request.Response, name: string): string | undefined => {
  const line = setCookies(res).find((c) => c.startsWith(`${name}=`));
  return line === undefined ? undefined : line.split(';')[0].slice(name.length + 1);
};

/** The browser's side of one SSO sign-in against `t`: start, the provider, the callback. */
function ssoBrowser(t: TestApp) {
  const start = async (returnTo?: string) => {
    const res = await request(t.http)
      .get('/api/auth/sso/login')
      .query(returnTo === undefined ? {} : { return_to: returnTo })
      .expect(302);
    const handle = cookieValue(res, SSO_COOKIE)!;
    expect(handle).toBeDefined();
    rememberSecret(handle);
    return { authorizationUrl: res.headers.location as string, handle, res };
  };
  const callback = (url: URL, handle: string | undefined) => {
    const req = request(t.http).get(`${url.pathname}${url.search}`);
    return handle === undefined ? req : req.set('Cookie', `${SSO_COOKIE}=${handle}`);
  };
  const code = (url: URL) => {
    const value = url.searchParams.get('code')!;
    rememberSecret(value);
    return value;
  };
  /** The whole sign-in; returns the callback's answer. */
  const signIn = async (account: string, returnTo?: string) => {
    const { authorizationUrl, handle } = await start(returnTo);
    const back = await authorizeAtProvider(authorizationUrl, account);
    code(back);
    return callback(back, handle);
  };
  return { start, callback, code, signIn };
}

const accessTokenByRefresh = async (t: TestApp, res: request.Response): Promise<string> => {
  const refresh = cookieValue(res, REFRESH_COOKIE)!;
  expect(refresh).toMatch(/^rt_/);
  rememberSecret(refresh);
  const refreshed = await request(t.http)
    .post('/api/auth/refresh')
    .set(XHR)
    .set('Cookie', `${REFRESH_COOKIE}=${refresh}`)
    .send({})
    .expect(200);
  rememberSecret(refreshed.body.access_token, cookieValue(refreshed, REFRESH_COOKIE));
  return refreshed.body.access_token as string;
};

const me = (t: TestApp, token: string) =>
  request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);

/** Issue 16, part 5: SSO with OpenID Connect, against a real OpenID Provider started here. */
describe('SSO (OpenID Connect) against a real oidc-provider', () => {
  let provider: OidcProvider;
  let otherProvider: OidcProvider;
  let t: TestApp;
  let db: DataSource;
  let admin: TestUser;
  let browser: ReturnType<typeof ssoBrowser>;
  const clients = [
    { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] },
    // Another relying party at the same provider that (mis)registered our redirect URI.
    {
      client_id: 'other-client',
      client_secret: 'other-client-secret-0123456789ab',
      redirect_uris: [REDIRECT_URI],
    },
  ];

  beforeAll(async () => {
    rememberSecret(CLIENT_SECRET);
    [provider, otherProvider] = await Promise.all([
      startOidcProvider({ clients, accounts: ACCOUNTS }),
      // A second provider: same client registration, another issuer (mix-up attacks).
      startOidcProvider({ clients, accounts: ACCOUNTS }),
    ]);
    t = await createTestApp({
      env: {
        AUTOPACK_SSO_ISSUER_URL: provider.issuer,
        AUTOPACK_SSO_CLIENT_ID: CLIENT_ID,
        AUTOPACK_SSO_CLIENT_SECRET: CLIENT_SECRET,
        AUTOPACK_SSO_REDIRECT_URI: REDIRECT_URI,
        AUTOPACK_SSO_SCOPES: 'openid email profile groups',
        AUTOPACK_PASSWORD_LOGIN: '0',
        AUTOPACK_SSO_RATE_LIMIT_PER_MINUTE: '1000',
        AUTOPACK_REFRESH_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
    db = t.app.get(DataSource);
    admin = await createUser(t, { role: 'admin' });
    browser = ssoBrowser(t);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([provider?.stop(), otherProvider?.stop()]);
  });

  const auditOf = async (type: string) =>
    (await db.query('SELECT details FROM audit_events WHERE event_type = $1 ORDER BY position', [type])).map(
      (row: { details: Record<string, unknown> }) => row.details,
    );

  it('GET /api/auth/methods tells the sign-in page what to offer', async () => {
    const res = await request(t.http).get('/api/auth/methods').expect(200);
    expect(res.body).toEqual({ password: false, sso: true });
  });

  it('the start redirects to the provider with PKCE S256, state and nonce, and binds them to this browser', async () => {
    const { authorizationUrl, res } = await browser.start('/console/runs');
    const url = new URL(authorizationUrl);
    expect(url.origin + url.pathname).toBe(`${provider.issuer}/auth`);
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = setCookies(res).find((c) => c.startsWith(`${SSO_COOKIE}=`))!;
    const attributes = cookie.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(
      expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/api/auth/sso/callback']),
    );
    // The verifier and the nonce stay on the server; the browser holds only a random handle.
    expect(authorizationUrl).not.toContain(
      (await db.query('SELECT code_verifier FROM auth_sso_login_attempts'))[0].code_verifier,
    );
  });

  it('happy path: provider login and consent, callback, refresh cookie, access token by refresh, /api/auth/me', async () => {
    const attempts = () => db.query('SELECT count(*)::int AS n FROM auth_sso_login_attempts');
    const before = await attempts();
    const res = await browser.signIn('alice', '/console/runs?tab=live');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/console/runs?tab=live');
    // The same refresh cookie as a password login: HttpOnly, Secure, SameSite=Strict, the refresh path only.
    const cookie = setCookies(res).find((c) => c.startsWith(`${REFRESH_COOKIE}=`))!;
    expect(cookie.split(';').map((part) => part.trim().toLowerCase())).toEqual(
      expect.arrayContaining(['httponly', 'secure', 'samesite=strict', 'path=/api/auth/refresh']),
    );
    // And the same signed-in hint beside it, for the console to read: no token in it, the same lifetime.
    const hint = setCookies(res).find((c) => c.startsWith('autopack_signed_in='))!;
    expect(hint.split(';')[0]).toBe('autopack_signed_in=1');
    const attributes = hint.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['secure', 'samesite=strict', 'path=/console/']));
    expect(attributes).not.toContain('httponly');
    const expires = (line: string) => line.split(';').find((part) => part.trim().startsWith('Expires='));
    expect(expires(hint)).toBe(expires(cookie));
    const token = await accessTokenByRefresh(t, res);
    const who = await me(t, token).expect(200);
    expect(who.body.role).toBe('viewer');
    expect(who.body.username).toMatch(/^alice-[0-9a-f]{8}$/);
    const [identity] = await db.query(
      'SELECT i.issuer, i.subject, i.email, s.method FROM auth_sso_identities i JOIN auth_sessions s ON s.user_id = i.user_id WHERE i.user_id = $1',
      [who.body.id],
    );
    expect(identity).toEqual({
      issuer: provider.issuer,
      subject: 'alice',
      email: 'alice@example.com',
      method: 'sso',
    });
    expect(await auditOf('user.sso_linked')).toEqual([
      expect.objectContaining({ issuer: provider.issuer, subject: 'alice' }),
    ]);
    // The handle is used up and its attempt gone.
    expect(await attempts()).toEqual(before);
  });

  it('an SSO user is an ordinary user: a viewer is refused admin routes, and the session is listed as sso', async () => {
    const token = await accessTokenByRefresh(t, await browser.signIn('alice'));
    await request(t.http).get('/api/auth/users').set('Authorization', `Bearer ${token}`).expect(403);
    const sessions = await request(t.http)
      .get('/api/auth/sessions')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(sessions.body.sessions.find((s: { current: boolean }) => s.current)).toMatchObject({
      method: 'sso',
    });
    // Logout ends it like any session: the token stops working at its next request.
    await request(t.http)
      .delete(`/api/auth/sessions/${sessions.body.sessions.find((s: { current: boolean }) => s.current).id}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(204);
    await me(t, token).expect(401);
  });

  it('the same provider account signs in to the same user; an admin promotion is kept (no role map)', async () => {
    const first = await me(t, await accessTokenByRefresh(t, await browser.signIn('dave'))).expect(200);
    expect(first.body.role).toBe('viewer');
    await request(t.http)
      .patch(`/api/auth/users/${first.body.id}`)
      .set(admin.auth)
      .send({ role: 'operator' })
      .expect(200);
    const again = await me(t, await accessTokenByRefresh(t, await browser.signIn('dave'))).expect(200);
    expect(again.body).toMatchObject({ id: first.body.id, role: 'operator' });
    expect(
      await db.query("SELECT count(*)::int AS n FROM auth_sso_identities WHERE subject = 'dave'"),
    ).toEqual([{ n: 1 }]);
  });

  it('two first sign-ins of one account at once make one user, and both are signed in', async () => {
    const [a, b] = await Promise.all([browser.start(), browser.start()]);
    const [backA, backB] = await Promise.all([
      authorizeAtProvider(a.authorizationUrl, 'frank'),
      authorizeAtProvider(b.authorizationUrl, 'frank'),
    ]);
    browser.code(backA);
    browser.code(backB);
    const [resA, resB] = await Promise.all([
      browser.callback(backA, a.handle),
      browser.callback(backB, b.handle),
    ]);
    expect([resA.status, resB.status]).toEqual([302, 302]);
    const [whoA, whoB] = await Promise.all([
      me(t, await accessTokenByRefresh(t, resA)),
      me(t, await accessTokenByRefresh(t, resB)),
    ]);
    expect(whoA.body.id).toBe(whoB.body.id);
    expect(
      await db.query("SELECT count(*)::int AS n FROM auth_sso_identities WHERE subject = 'frank'"),
    ).toEqual([{ n: 1 }]);
  });

  it('a forged state is refused (400, audited) and uses the sign-in up', async () => {
    const { authorizationUrl, handle } = await browser.start();
    const back = await authorizeAtProvider(authorizationUrl, 'alice');
    browser.code(back);
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state-forged-state-forged-state-1234');
    const res = await browser.callback(forged, handle).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, reason: 'state_mismatch' });
    expect(setCookies(res).some((c) => c.startsWith(`${REFRESH_COOKIE}=`))).toBe(false);
    expect(setCookies(res).some((c) => c.startsWith('autopack_signed_in='))).toBe(false);
    expect(await auditOf('sso.sign_in_refused')).toContainEqual(
      expect.objectContaining({ reason: 'state_mismatch' }),
    );
    // The genuine answer cannot be used after that: one try per sign-in.
    const genuine = await browser.callback(back, handle).expect(400);
    expect(genuine.body.reason).toBe('no_sign_in_in_progress');
  });

  it('a callback without the browser that started the sign-in is refused', async () => {
    const { authorizationUrl } = await browser.start();
    const back = await authorizeAtProvider(authorizationUrl, 'alice');
    browser.code(back);
    expect((await browser.callback(back, undefined).expect(400)).body.reason).toBe('no_sign_in_in_progress');
    const other = await browser.start();
    // Another browser's handle: its state is not this answer's.
    expect((await browser.callback(back, other.handle).expect(400)).body.reason).toBe('state_mismatch');
  });

  it('a replayed code is refused: the same callback again, and the code under a new sign-in', async () => {
    const { authorizationUrl, handle } = await browser.start();
    const back = await authorizeAtProvider(authorizationUrl, 'alice');
    browser.code(back);
    await browser.callback(back, handle).expect(302);
    expect((await browser.callback(back, handle).expect(400)).body.reason).toBe('no_sign_in_in_progress');
    // An attacker who saw the code starts their own sign-in and slips the used code into its callback.
    const next = await browser.start();
    const replay = new URL(back);
    replay.searchParams.set('state', new URL(next.authorizationUrl).searchParams.get('state')!);
    const res = await browser.callback(replay, next.handle).expect(401);
    expect(res.body.reason).toBe('code_rejected');
    expect(JSON.stringify(res.body)).not.toContain(back.searchParams.get('code'));
  });

  it('an ID token with another nonce is refused (401, audited)', async () => {
    const { authorizationUrl, handle } = await browser.start();
    // Same state and PKCE challenge, so only the nonce differs from what this server asked for.
    const tampered = new URL(authorizationUrl);
    tampered.searchParams.set('nonce', 'attacker-chosen-nonce-0123456789abcdefghijk');
    const back = await authorizeAtProvider(tampered.href, 'alice');
    browser.code(back);
    const res = await browser.callback(back, handle).expect(401);
    expect(res.body.reason).toBe('response_invalid');
    expect(await auditOf('sso.sign_in_refused')).toContainEqual(
      expect.objectContaining({ reason: 'response_invalid' }),
    );
  });

  it('an answer from another issuer is refused (RFC 9207 iss, and its code is not redeemable here)', async () => {
    const { authorizationUrl, handle } = await browser.start();
    const elsewhere = new URL(authorizationUrl);
    const other = new URL(otherProvider.issuer);
    elsewhere.host = other.host;
    const back = await authorizeAtProvider(elsewhere.href, 'alice');
    browser.code(back);
    expect(back.searchParams.get('iss')).toBe(otherProvider.issuer);
    expect((await browser.callback(back, handle).expect(401)).body.reason).toBe('response_invalid');
    // Stripping the iss parameter does not help: our provider promises it (RFC 9207 metadata), so an answer
    // without it is refused before its code is sent anywhere.
    const second = await browser.start();
    const again = new URL(second.authorizationUrl);
    again.host = other.host;
    const back2 = await authorizeAtProvider(again.href, 'alice');
    browser.code(back2);
    back2.searchParams.delete('iss');
    expect((await browser.callback(back2, second.handle).expect(401)).body.reason).toBe('response_invalid');
  });

  it('a code issued to another client (audience) is refused', async () => {
    const { authorizationUrl, handle } = await browser.start();
    const forOther = new URL(authorizationUrl);
    forOther.searchParams.set('client_id', 'other-client');
    const back = await authorizeAtProvider(forOther.href, 'alice');
    browser.code(back);
    expect((await browser.callback(back, handle).expect(401)).body.reason).toBe('code_rejected');
  });

  it('a disabled user is refused (403, audited) and gets no session', async () => {
    const first = await me(t, await accessTokenByRefresh(t, await browser.signIn('carol'))).expect(200);
    await request(t.http)
      .patch(`/api/auth/users/${first.body.id}`)
      .set(admin.auth)
      .send({ disabled: true })
      .expect(200);
    const sessionsBefore = await db.query('SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1', [
      first.body.id,
    ]);
    const res = await browser.signIn('carol');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ reason: 'user_disabled', message: expect.any(String) });
    expect(setCookies(res).some((c) => c.startsWith(`${REFRESH_COOKIE}=`))).toBe(false);
    expect(
      await db.query('SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1', [first.body.id]),
    ).toEqual(sessionsBefore);
    expect(await auditOf('sso.sign_in_refused')).toContainEqual(
      expect.objectContaining({ reason: 'user_disabled' }),
    );
  });

  it('the provider saying no (access_denied) is a 401, not an error page with details', async () => {
    const { authorizationUrl, handle } = await browser.start();
    const state = new URL(authorizationUrl).searchParams.get('state')!;
    const denied = new URL(REDIRECT_URI);
    denied.search = new URLSearchParams({ error: 'access_denied', state, iss: provider.issuer }).toString();
    const res = await browser.callback(denied, handle).expect(401);
    expect(res.body.reason).toBe('provider_denied');
  });

  it.each([
    ['//evil.example/console/'],
    ['https://evil.example/console/'],
    ['/\\evil.example'],
    ['/console//evil.example'],
    ['/console/../api/auth/me'],
    ['/console/%2F%2Fevil.example'],
    ['/api/auth/me'],
  ])('return_to %j is refused before anything starts (open redirect)', async (returnTo) => {
    const before = await db.query('SELECT count(*)::int AS n FROM auth_sso_login_attempts');
    const res = await request(t.http).get('/api/auth/sso/login').query({ return_to: returnTo }).expect(400);
    expect(res.body.reason).toBe('invalid_return_to');
    expect(res.headers.location).toBeUndefined();
    expect(await db.query('SELECT count(*)::int AS n FROM auth_sso_login_attempts')).toEqual(before);
  });

  it('with password login off, POST /api/auth/login and registration answer 403 password_login_disabled', async () => {
    const login = await request(t.http)
      .post('/api/auth/login')
      .send({ username: admin.username, password: admin.password })
      .expect(403);
    expect(login.body).toMatchObject({ reason: 'password_login_disabled' });
    expect(setCookies(login)).toEqual([]);
    const register = await request(t.http)
      .post('/api/auth/register')
      .send({ username: 'newcomer', password: 'a-long-enough-passphrase' })
      .expect(403);
    expect(register.body.reason).toBe('password_login_disabled');
  });
});

describe('SSO admission and role mapping (allowed domains, required group, role map)', () => {
  let provider: OidcProvider;
  let t: TestApp;
  let browser: ReturnType<typeof ssoBrowser>;

  beforeAll(async () => {
    provider = await startOidcProvider({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
      accounts: ACCOUNTS,
    });
    t = await createTestApp({
      env: {
        AUTOPACK_SSO_ISSUER_URL: provider.issuer,
        AUTOPACK_SSO_CLIENT_ID: CLIENT_ID,
        AUTOPACK_SSO_CLIENT_SECRET: CLIENT_SECRET,
        AUTOPACK_SSO_REDIRECT_URI: REDIRECT_URI,
        AUTOPACK_SSO_SCOPES: 'openid email profile groups',
        AUTOPACK_SSO_ALLOWED_EMAIL_DOMAINS: 'example.com',
        AUTOPACK_SSO_REQUIRED_GROUP: 'autopack-users',
        AUTOPACK_SSO_ROLE_MAP: 'autopack-admins=admin,autopack-ops=operator',
        AUTOPACK_SSO_RATE_LIMIT_PER_MINUTE: '1000',
        AUTOPACK_REFRESH_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
    browser = ssoBrowser(t);
  });
  afterAll(async () => {
    await t?.close();
    await provider?.stop();
  });

  it('password login stays on unless switched off', async () => {
    expect((await request(t.http).get('/api/auth/methods').expect(200)).body).toEqual({
      password: true,
      sso: true,
    });
  });

  it.each([
    ['mallory', 'email_domain_not_allowed'],
    ['eve', 'email_not_verified'],
    ['bob', 'group_missing'],
  ])('%s is refused: %s (403, audited, no user created)', async (account, reason) => {
    const res = await browser.signIn(account);
    expect(res.status).toBe(403);
    expect(res.body.reason).toBe(reason);
    const db = t.app.get(DataSource);
    expect(
      await db.query('SELECT count(*)::int AS n FROM auth_sso_identities WHERE subject = $1', [account]),
    ).toEqual([{ n: 0 }]);
    const refusals = await db.query(
      "SELECT details FROM audit_events WHERE event_type = 'sso.sign_in_refused' AND details->>'subject' = $1",
      [account],
    );
    expect(refusals.map((row: { details: { reason: string } }) => row.details.reason)).toEqual([reason]);
  });

  it('the role map decides the role at every sign-in: mapped group → its role, none → viewer', async () => {
    const carol = await me(t, await accessTokenByRefresh(t, await browser.signIn('carol'))).expect(200);
    expect(carol.body.role).toBe('admin');
    const alice = await me(t, await accessTokenByRefresh(t, await browser.signIn('alice'))).expect(200);
    expect(alice.body.role).toBe('viewer');
    // An admin's promotion lasts until the next sign-in, where the provider's groups decide again.
    await request(t.http)
      .patch(`/api/auth/users/${alice.body.id}`)
      .set('Authorization', `Bearer ${await accessTokenByRefresh(t, await browser.signIn('carol'))}`)
      .send({ role: 'operator' })
      .expect(200);
    const again = await me(t, await accessTokenByRefresh(t, await browser.signIn('alice'))).expect(200);
    expect(again.body).toMatchObject({ id: alice.body.id, role: 'viewer' });
  });
});

describe('SSO routes are rate limited per client IP', () => {
  let provider: OidcProvider;
  let t: TestApp;

  beforeAll(async () => {
    provider = await startOidcProvider({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] }],
      accounts: ACCOUNTS,
    });
    t = await createTestApp({
      env: {
        AUTOPACK_SSO_ISSUER_URL: provider.issuer,
        AUTOPACK_SSO_CLIENT_ID: CLIENT_ID,
        AUTOPACK_SSO_CLIENT_SECRET: CLIENT_SECRET,
        AUTOPACK_SSO_REDIRECT_URI: REDIRECT_URI,
        AUTOPACK_SSO_RATE_LIMIT_PER_MINUTE: '2',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await provider?.stop();
  });

  it('the third start or callback within a minute is 429 and starts nothing', async () => {
    await request(t.http).get('/api/auth/sso/login').expect(302);
    await request(t.http).get('/api/auth/sso/callback?code=x&state=y').expect(400);
    const db = t.app.get(DataSource);
    const before = await db.query('SELECT count(*)::int AS n FROM auth_sso_login_attempts');
    const res = await request(t.http).get('/api/auth/sso/login').expect(429);
    expect(res.headers['retry-after']).toBeDefined();
    await request(t.http).get('/api/auth/sso/callback?code=x&state=y').expect(429);
    expect(await db.query('SELECT count(*)::int AS n FROM auth_sso_login_attempts')).toEqual(before);
  });
});

describe('SSO with an identity provider that cannot be reached', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A port nothing listens on: discovery fails at the first sign-in (not at start, so a provider that is
    // down when the server starts does not keep it from starting).
    t = await createTestApp({
      env: {
        AUTOPACK_SSO_ISSUER_URL: 'http://127.0.0.1:9',
        AUTOPACK_SSO_CLIENT_ID: CLIENT_ID,
        AUTOPACK_SSO_CLIENT_SECRET: CLIENT_SECRET,
        AUTOPACK_SSO_REDIRECT_URI: REDIRECT_URI,
      },
    });
  });
  afterAll(() => t?.close());

  it('the start is a 502 provider_unreachable that stores nothing and sets no cookie', async () => {
    const res = await request(t.http).get('/api/auth/sso/login').expect(502);
    expect(res.body).toMatchObject({ statusCode: 502, reason: 'provider_unreachable' });
    expect(setCookies(res).some((c) => c.startsWith(`${SSO_COOKIE}=`))).toBe(false);
    const db = t.app.get(DataSource);
    expect(await db.query('SELECT count(*)::int AS n FROM auth_sso_login_attempts')).toEqual([{ n: 0 }]);
  });
});
