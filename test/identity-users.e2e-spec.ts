import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from './helpers/app';
import { createUser } from './helpers/identity';

const PASSWORD = 'correct horse battery staple';
const bodyOf = (res: request.Response) => {
  const { request_id: _ignored, ...body } = res.body;
  return body;
};

describe('users: register, login, me, roles, disabling', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A generous per-IP login budget here: the per-username and per-IP limits have their own tests below.
    t = await createTestApp({ env: { AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '100' } });
  });
  afterAll(() => t.close());

  const register = (username: string, password = PASSWORD) =>
    request(t.http).post('/api/auth/register').send({ username, password });
  const login = (username: string, password = PASSWORD) =>
    request(t.http).post('/api/auth/login').send({ username, password });

  it('registers a viewer, logs in with an RS256 bearer token and reads /me', async () => {
    const created = await register('Alice.Ops');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'alice.ops', role: 'viewer', disabled: false });
    expect(created.body.principal_id).toBe(`user:${created.body.id}`);
    expect(JSON.stringify(created.body)).not.toMatch(/password|argon/i);

    const res = await login('ALICE.OPS');
    expect(res.status).toBe(200);
    // A login starts a session (issue 16): its id and end come with the token; the refresh token is a cookie.
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      session_id: expect.any(String),
      session_expires_at: expect.any(String),
    });
    const me = await request(t.http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${res.body.access_token}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: created.body.id, username: 'alice.ops', role: 'viewer' });
  });

  it('stores passwords as argon2id hashes only', async () => {
    await register('bob-hash');
    const rows: Array<{ password_hash: string }> = await t.app
      .get(DataSource)
      .query(`SELECT password_hash FROM users WHERE username = 'bob-hash'`);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0].password_hash).not.toContain(PASSWORD);
  });

  it('refuses a taken username (any case) with 409 and bad input with 422', async () => {
    await register('carol');
    expect((await register('CAROL')).status).toBe(409);
    for (const body of [
      { username: 'ab', password: PASSWORD },
      { username: 'has space', password: PASSWORD },
      { username: 'dave', password: 'short' },
      { username: 'dave', password: 'x'.repeat(257) },
      { username: 'dave', password: PASSWORD, role: 'admin' },
      { username: 'dave' },
    ]) {
      const res = await request(t.http).post('/api/auth/register').send(body);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc[0]).toBe('body');
    }
  });

  it('answers unknown user, wrong password and disabled user identically, in comparable time', async () => {
    const known = await createUser(t, { role: 'operator', password: PASSWORD });
    const disabled = await createUser(t, { role: 'viewer', password: PASSWORD });
    const admin = await createUser(t, { role: 'admin' });
    await request(t.http)
      .patch(`/api/auth/users/${disabled.id}`)
      .set(admin.auth)
      .send({ disabled: true })
      .expect(200);

    const timed = async (username: string, password: string) => {
      const started = process.hrtime.bigint();
      const res = await login(username, password);
      return { res, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const wrong = [];
    const unknown = [];
    for (let i = 0; i < 3; i++) {
      wrong.push(await timed(known.username, `${PASSWORD}-wrong`));
      unknown.push(await timed(`nobody-${i}`, PASSWORD));
    }
    const disabledAttempt = await timed(disabled.username, PASSWORD);
    const expected = { statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' };
    for (const { res } of [...wrong, ...unknown, disabledAttempt]) expect(bodyOf(res)).toEqual(expected);

    // Both paths run one argon2id verification; without the decoy, unknown users answer many times faster.
    const median = (xs: Array<{ ms: number }>) => xs.map((x) => x.ms).sort((a, b) => a - b)[1];
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });

  it('has admins change roles and disable users; a disabled user is refused at once, and either change ends their sessions', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const target = await createUser(t, { role: 'viewer', password: PASSWORD });
    const patch = (body: object) =>
      request(t.http).patch(`/api/auth/users/${target.id}`).set(admin.auth).send(body);

    expect((await request(t.http).get('/api/auth/users').set(target.auth)).status).toBe(403);
    const promoted = await patch({ role: 'admin' });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('admin');
    // Changing a role ends the user's sessions (issue 16): the old token is refused, a new sign-in has the role.
    expect((await request(t.http).get('/api/auth/users').set(target.auth)).status).toBe(401);
    const signedInAgain = await login(target.username);
    const promotedAuth = { Authorization: `Bearer ${signedInAgain.body.access_token}` };
    expect((await request(t.http).get('/api/auth/users').set(promotedAuth)).status).toBe(200);

    expect((await patch({ disabled: true })).body.disabled).toBe(true);
    const refused = await request(t.http).get('/api/auth/me').set(promotedAuth);
    expect(bodyOf(refused)).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing or invalid credentials',
    });
    expect((await login(target.username)).status).toBe(401);

    expect((await patch({ disabled: false })).body.disabled).toBe(false);
    // Enabling again does not revive the sessions that disabling ended: the user signs in anew.
    expect((await request(t.http).get('/api/auth/me').set(promotedAuth)).status).toBe(401);
    expect((await login(target.username)).status).toBe(200);
  });

  it('refuses an admin demoting or disabling themselves (there is always an admin left)', async () => {
    const admin = await createUser(t, { role: 'admin' });
    for (const id of [admin.id, admin.id.toUpperCase()]) {
      for (const body of [{ role: 'operator' }, { disabled: true }]) {
        const res = await request(t.http).patch(`/api/auth/users/${id}`).set(admin.auth).send(body);
        expect(res.status).toBe(409);
      }
    }
    expect((await request(t.http).get('/api/auth/me').set(admin.auth)).body.role).toBe('admin');
  });

  it('validates the user admin routes: bad id 400, unknown id 404, bad role 422, non-admin 403', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const operator = await createUser(t, { role: 'operator' });
    const users = request(t.http);
    expect(
      (await users.patch('/api/auth/users/not-a-uuid').set(admin.auth).send({ role: 'viewer' })).status,
    ).toBe(400);
    expect(
      (
        await users
          .patch('/api/auth/users/00000000-0000-4000-8000-000000000000')
          .set(admin.auth)
          .send({ role: 'viewer' })
      ).status,
    ).toBe(404);
    expect(
      (await users.patch(`/api/auth/users/${operator.id}`).set(admin.auth).send({ role: 'root' })).status,
    ).toBe(422);
    expect(
      (await users.patch(`/api/auth/users/${admin.id}`).set(operator.auth).send({ role: 'viewer' })).status,
    ).toBe(403);
    const list = await users.get('/api/auth/users?limit=2').set(admin.auth);
    expect(list.body).toMatchObject({ limit: 2, offset: 0, total: expect.any(Number) });
    expect(list.body.users).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toMatch(/argon|password/);
    expect((await users.get('/api/auth/users?limit=1000').set(admin.auth)).status).toBe(400);
  });
});

describe('login throttling', () => {
  it('blocks a sixth attempt on one username within a minute, from any address (429 + Retry-After)', async () => {
    // A high per-IP budget isolates the per-username limit.
    const t = await createTestApp({
      env: { AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '5', AUTOPACK_TRUSTED_PROXIES: '127.0.0.1' },
    });
    try {
      const victim = await createUser(t, { password: PASSWORD });
      const attempt = (ip: string, password: string) =>
        request(t.http)
          .post('/api/auth/login')
          .set('X-Forwarded-For', ip)
          .send({ username: victim.username, password });
      for (let i = 0; i < 5; i++)
        expect((await attempt(`10.0.0.${i + 1}`, `guess-${i}-guess-guess`)).status).toBe(401);
      const blocked = await attempt('10.0.0.99', PASSWORD);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.body.access_token).toBeUndefined();
      // Another user is not affected by the victim's counter.
      const other = await createUser(t, { password: PASSWORD });
      const ok = await request(t.http)
        .post('/api/auth/login')
        .set('X-Forwarded-For', '10.0.1.1')
        .send({ username: other.username, password: PASSWORD });
      expect(ok.status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('blocks one address trying many usernames (429 + Retry-After)', async () => {
    const t = await createTestApp({ env: { AUTOPACK_TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      const attempt = (ip: string, i: number) =>
        request(t.http)
          .post('/api/auth/login')
          .set('X-Forwarded-For', ip)
          .send({ username: `spray-${i}`, password: PASSWORD });
      for (let i = 0; i < 5; i++) expect((await attempt('10.9.9.9', i)).status).toBe(401);
      const blocked = await attempt('10.9.9.9', 99);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect((await attempt('10.9.9.10', 100)).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});

describe('registration in production', () => {
  it('is closed (403) unless AUTOPACK_ALLOW_REGISTRATION=1', async () => {
    const closed = await createTestApp({ env: { AUTOPACK_ENV: 'production' } });
    try {
      const res = await request(closed.http)
        .post('/api/auth/register')
        .send({ username: 'eve', password: PASSWORD });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/Registration is closed/);
    } finally {
      await closed.close();
    }
    const open = await createTestApp({
      env: { AUTOPACK_ENV: 'production', AUTOPACK_ALLOW_REGISTRATION: '1' },
    });
    try {
      const res = await request(open.http)
        .post('/api/auth/register')
        .send({ username: 'eve', password: PASSWORD });
      expect(res.status).toBe(201);
      expect(res.body.role).toBe('viewer');
    } finally {
      await open.close();
    }
  });
});
