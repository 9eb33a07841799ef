import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from './helpers/app';
import { createUser, TestUser } from './helpers/identity';
import { rememberSecret } from './helpers/secrets';

const INVALID_TOKEN = 'Invalid or expired set-password token; ask an admin for a new one';
const NEW_PASSWORD = 'a brand new passphrase 42';

/** Issue 16 part 4: user administration by admins, set-password links, changing one's own password. */
describe('user administration: create, reset, set-password links, change own password', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' } });
    db = t.app.get(DataSource);
    admin = await createUser(t, { role: 'admin' });
  });
  afterAll(() => t.close());

  const login = (username: string, password: string) =>
    request(t.http).post('/api/auth/login').send({ username, password, include_refresh_token: true });
  const me = (token: string) => request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
  const setPassword = (token: string, password: string) =>
    request(t.http).post('/api/auth/set-password').send({ token, password });
  const auditOf = async (userId: string) =>
    (await db.query(
      'SELECT event_type AS type, actor_id AS actor, details FROM audit_events WHERE subject_id = $1 ORDER BY position',
      [userId],
    )) as Array<{ type: string; actor: string; details: Record<string, unknown> }>;
  const loginToken = async (username: string, password: string) => {
    const res = await login(username, password).expect(200);
    rememberSecret(res.body.access_token, res.body.refresh_token);
    return res.body as { access_token: string; refresh_token: string; session_id: string };
  };

  it('an admin creates a user with a role and an initial password; that user signs in', async () => {
    const password = 'initial passphrase for ops';
    rememberSecret(password);
    const res = await request(t.http)
      .post('/api/auth/users')
      .set(admin.auth)
      .send({ username: 'New.Operator', role: 'operator', password })
      .expect(201);
    expect(res.body).toMatchObject({ username: 'new.operator', role: 'operator', disabled: false });
    expect(res.body.set_password).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(/argon|passphrase/);
    const session = await loginToken('new.operator', password);
    expect((await me(session.access_token).expect(200)).body.role).toBe('operator');
    const audit = await auditOf(res.body.id);
    expect(audit[0]).toMatchObject({ type: 'user.created', actor: admin.principalId });
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('an admin creates a user without a password: a one-time link token, single use, then login works', async () => {
    const res = await request(t.http)
      .post('/api/auth/users')
      .set(admin.auth)
      .send({ username: 'linked-viewer', role: 'viewer' })
      .expect(201);
    const { set_password_token: token, expires_at } = res.body.set_password;
    rememberSecret(token);
    expect(token).toMatch(/^spt_[A-Za-z0-9_-]{43}$/);
    const hours = (Date.parse(expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    // Stored hashed only.
    const rows: Array<{ token_hash: string }> = await db.query(
      'SELECT token_hash FROM auth_password_tokens WHERE user_id = $1',
      [res.body.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await auditOf(res.body.id))).not.toContain(token);

    // Before the link is used, no password opens the account.
    await login('linked-viewer', '').expect(401);
    await setPassword(token, NEW_PASSWORD).expect(204);
    await loginToken('linked-viewer', NEW_PASSWORD);
    // Single use: the same token again is the one answer, and the password stays.
    const again = await setPassword(token, 'another passphrase entirely').expect(400);
    expect(again.body.message ?? again.body.detail).toBe(INVALID_TOKEN);
    await loginToken('linked-viewer', NEW_PASSWORD);
    expect((await auditOf(res.body.id)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['user.created', 'user.set_password_link_issued', 'user.password_set']),
    );
  });

  it("an unknown, malformed, expired or disabled user's token: one 400 answer, nothing changes", async () => {
    const answers: string[] = [];
    const collect = (res: request.Response) => {
      expect(res.status).toBe(400);
      answers.push(JSON.stringify({ ...res.body, request_id: undefined }));
    };
    collect(await setPassword(`spt_${'A'.repeat(43)}`, NEW_PASSWORD));
    collect(await setPassword('not-a-token', NEW_PASSWORD));

    const expiring = await request(t.http)
      .post('/api/auth/users')
      .set(admin.auth)
      .send({ username: 'expired-link', role: 'viewer' })
      .expect(201);
    rememberSecret(expiring.body.set_password.set_password_token);
    await db.query(
      `UPDATE auth_password_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [expiring.body.id],
    );
    collect(await setPassword(expiring.body.set_password.set_password_token, NEW_PASSWORD));

    const disabled = await request(t.http)
      .post('/api/auth/users')
      .set(admin.auth)
      .send({ username: 'disabled-link', role: 'viewer' })
      .expect(201);
    rememberSecret(disabled.body.set_password.set_password_token);
    await request(t.http)
      .patch(`/api/auth/users/${disabled.body.id}`)
      .set(admin.auth)
      .send({ disabled: true })
      .expect(200);
    collect(await setPassword(disabled.body.set_password.set_password_token, NEW_PASSWORD));

    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain(INVALID_TOKEN);
    await login('expired-link', NEW_PASSWORD).expect(401);
  });

  it('two concurrent uses of one token: one sets the password, the other is refused', async () => {
    const created = await request(t.http)
      .post('/api/auth/users')
      .set(admin.auth)
      .send({ username: 'raced-link', role: 'viewer' })
      .expect(201);
    const token = created.body.set_password.set_password_token;
    rememberSecret(token);
    const [first, second] = await Promise.all([
      setPassword(token, 'the first racer wins this'),
      setPassword(token, 'the second racer loses it'),
    ]);
    expect([first.status, second.status].sort()).toEqual([204, 400]);
    const winner = first.status === 204 ? 'the first racer wins this' : 'the second racer loses it';
    const loser = first.status === 204 ? 'the second racer loses it' : 'the first racer wins this';
    await loginToken('raced-link', winner);
    await login('raced-link', loser).expect(401);
  });

  it('a new link replaces the open one', async () => {
    const created = await request(t.http)
      .post('/api/auth/users')
      .set(admin.auth)
      .send({ username: 'relinked', role: 'viewer' })
      .expect(201);
    const first = created.body.set_password.set_password_token;
    const reset = await request(t.http)
      .post(`/api/auth/users/${created.body.id}/password`)
      .set(admin.auth)
      .send({})
      .expect(200);
    const second = reset.body.set_password.set_password_token;
    rememberSecret(first, second);
    await setPassword(first, NEW_PASSWORD).expect(400);
    await setPassword(second, NEW_PASSWORD).expect(204);
  });

  it('a reset ends every session of the user and the old password stops working', async () => {
    const user = await createUser(t, { role: 'operator' });
    const other = await loginToken(user.username, user.password);
    const password = 'reset by an admin, 2nd try';
    rememberSecret(password);
    const res = await request(t.http)
      .post(`/api/auth/users/${user.id.toUpperCase()}/password`)
      .set(admin.auth)
      .send({ password })
      .expect(200);
    expect(res.body).toEqual({ sessions_ended: 2 });
    await me(user.token).expect(401);
    await me(other.access_token).expect(401);
    await request(t.http).post('/api/auth/refresh').send({ refresh_token: other.refresh_token }).expect(401);
    await login(user.username, user.password).expect(401);
    await loginToken(user.username, password);
    const audit = await auditOf(user.id);
    expect(audit.map((e) => e.type)).toEqual(
      expect.arrayContaining(['user.password_reset', 'session.revoked_all']),
    );
    expect(audit.find((e) => e.type === 'session.revoked_all')!.details).toMatchObject({
      reason: 'password_reset',
    });

    // A reset to a link: the password set above stops working too.
    const linked = await request(t.http)
      .post(`/api/auth/users/${user.id}/password`)
      .set(admin.auth)
      .send({})
      .expect(200);
    rememberSecret(linked.body.set_password.set_password_token);
    expect(linked.body.sessions_ended).toBe(1);
    await login(user.username, password).expect(401);
  });

  it('a reset of an unknown user is 404; an admin does not reset their own password', async () => {
    await request(t.http)
      .post('/api/auth/users/00000000-0000-4000-8000-000000000000/password')
      .set(admin.auth)
      .send({ password: NEW_PASSWORD })
      .expect(404);
    await request(t.http)
      .post(`/api/auth/users/${admin.id}/password`)
      .set(admin.auth)
      .send({ password: NEW_PASSWORD })
      .expect(409);
  });

  it('viewers and operators cannot create users or reset passwords: 403, nothing written', async () => {
    const target = await createUser(t, { role: 'viewer' });
    for (const role of ['viewer', 'operator'] as const) {
      const caller = await createUser(t, { role });
      await request(t.http)
        .post('/api/auth/users')
        .set(caller.auth)
        .send({ username: `made-by-${role}`, role: 'admin', password: NEW_PASSWORD })
        .expect(403);
      await request(t.http)
        .post(`/api/auth/users/${target.id}/password`)
        .set(caller.auth)
        .send({ password: NEW_PASSWORD })
        .expect(403);
      await request(t.http)
        .patch(`/api/auth/users/${target.id}`)
        .set(caller.auth)
        .send({ role: 'admin' })
        .expect(403);
    }
    expect(await db.query("SELECT 1 FROM users WHERE username LIKE 'made-by-%'")).toHaveLength(0);
    await loginToken(target.username, target.password);
  });

  it('refuses passwords the policy refuses everywhere they are set (422, the password not echoed)', async () => {
    const user = await createUser(t, { role: 'viewer' });
    const common = 'password1234';
    const checks: Array<[string, request.Test]> = [
      [
        'register',
        request(t.http).post('/api/auth/register').send({ username: 'common-pw', password: common }),
      ],
      [
        'create',
        request(t.http)
          .post('/api/auth/users')
          .set(admin.auth)
          .send({ username: 'common-pw', role: 'viewer', password: common }),
      ],
      [
        'create, username as password',
        request(t.http)
          .post('/api/auth/users')
          .set(admin.auth)
          .send({ username: 'grace.hopper', role: 'viewer', password: 'Grace.Hopper!!!' }),
      ],
      [
        'reset',
        request(t.http)
          .post(`/api/auth/users/${user.id}/password`)
          .set(admin.auth)
          .send({ password: common }),
      ],
      [
        'reset, username as password',
        request(t.http)
          .post(`/api/auth/users/${user.id}/password`)
          .set(admin.auth)
          .send({ password: `${user.username}!!!` }),
      ],
      ['set-password', setPassword(`spt_${'B'.repeat(43)}`, 'aaaaaaaaaaaaaaaa')],
      [
        'change own',
        request(t.http)
          .post('/api/auth/me/password')
          .set(user.auth)
          .send({ current_password: user.password, new_password: '123456789012' }),
      ],
      [
        'too short',
        request(t.http)
          .post('/api/auth/me/password')
          .set(user.auth)
          .send({ current_password: user.password, new_password: 'short pw' }),
      ],
    ];
    for (const [label, pending] of checks) {
      const res = await pending;
      expect([label, res.status]).toEqual([label, 422]);
      expect(JSON.stringify(res.body)).not.toContain(common);
    }
    expect(
      await db.query("SELECT 1 FROM users WHERE username IN ('common-pw', 'grace.hopper')"),
    ).toHaveLength(0);
    await loginToken(user.username, user.password);
  });

  it('a user changes their own password: the current one is required; other sessions end, this one stays', async () => {
    const user = await createUser(t, { role: 'viewer' });
    const other = await loginToken(user.username, user.password);

    const wrong = await request(t.http)
      .post('/api/auth/me/password')
      .set(user.auth)
      .send({ current_password: 'not the password at all', new_password: NEW_PASSWORD })
      .expect(403);
    expect(wrong.body.message ?? wrong.body.detail).toBe('The current password is not correct');
    await me(other.access_token).expect(200);
    await login(user.username, NEW_PASSWORD).expect(401);

    await request(t.http)
      .post('/api/auth/me/password')
      .set(user.auth)
      .send({ current_password: user.password, new_password: user.password })
      .expect(422);

    const res = await request(t.http)
      .post('/api/auth/me/password')
      .set(user.auth)
      .send({ current_password: user.password, new_password: NEW_PASSWORD })
      .expect(200);
    expect(res.body).toEqual({ other_sessions_ended: 1 });
    await me(user.token).expect(200);
    await me(other.access_token).expect(401);
    await request(t.http).post('/api/auth/refresh').send({ refresh_token: other.refresh_token }).expect(401);
    await request(t.http).post('/api/auth/refresh').send({ refresh_token: user.refreshToken }).expect(200);
    await login(user.username, user.password).expect(401);
    await loginToken(user.username, NEW_PASSWORD);
    const audit = await auditOf(user.id);
    expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(['user.password_changed']));
    expect(audit.find((e) => e.type === 'user.password_changed')!.actor).toBe(user.principalId);
    expect(JSON.stringify(audit)).not.toContain(NEW_PASSWORD);
  });

  it('an API key cannot change a password (a user route), an anonymous caller is 401', async () => {
    await request(t.http)
      .post('/api/auth/me/password')
      .send({ current_password: 'x', new_password: NEW_PASSWORD })
      .expect(401);
  });
});
