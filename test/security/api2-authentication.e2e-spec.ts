import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { createUser, mintApiKey, testProductionSecrets, TestApiKey, TestUser } from '../helpers/identity';
import { decodeJwt, forgeJwt } from '../helpers/jwt';

const UNAUTHORIZED = { statusCode: 401, error: 'Unauthorized', message: 'Missing or invalid credentials' };
const BAD_LOGIN = { statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' };
const bodyOf = (res: request.Response) => {
  const { request_id: _ignored, ...body } = res.body;
  return body;
};
const now = () => Math.floor(Date.now() / 1000);

/**
 * OWASP API2:2023 Broken Authentication, in production mode (the real RS256 pair from the test
 * production secrets): every forged, expired, confused, tampered, revoked or malformed credential is a
 * 401 with one body, on a user route, an operator read route and a decision route alike; login does not
 * tell an unknown user from a wrong password.
 */
describe('OWASP API2 broken authentication: forged, stale and malformed credentials are refused', () => {
  let t: TestApp;
  let admin: TestUser;
  let operator: TestUser;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  const signingKey = createPrivateKey(testProductionSecrets().JWT_PRIVATE_KEY);

  beforeAll(async () => {
    t = await createTestApp({
      env: { AUTOPACK_ENV: 'production', AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' },
    });
    admin = await createUser(t, { role: 'admin' });
    operator = await createUser(t, { role: 'operator' });
    ({ header, payload: claims } = decodeJwt(operator.token));
  });
  afterAll(() => t.close());

  /** A user route, a read route and a human-decision route: the bearer check is the same on each. */
  const bearerRoutes = (token: string) => [
    request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`),
    request(t.http).get('/runs').set('Authorization', `Bearer ${token}`),
    request(t.http)
      .post('/governance/approve/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${token}`)
      .send({ approved: true, comment: 'forged' }),
  ];
  const expectRefusedEverywhere = async (token: string) => {
    for (const res of await Promise.all(bearerRoutes(token))) expect(bodyOf(res)).toEqual(UNAUTHORIZED);
  };

  it('accepts the genuine token on each route (the probe itself works)', async () => {
    const [me, runs, decision] = await Promise.all(bearerRoutes(operator.token));
    expect([me.status, runs.status, decision.status]).toEqual([200, 200, 404]);
  });

  it('refuses a JWT signed by another RSA key, even one claiming our kid', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectRefusedEverywhere(forgeJwt(header, claims, { rs256: attacker.privateKey }));
  });

  it('refuses an expired JWT signed by the real key', async () => {
    await expectRefusedEverywhere(
      forgeJwt(header, { ...claims, iat: now() - 7200, exp: now() - 1 }, { rs256: signingKey }),
    );
    // The same claims, still valid, pass: the expiry alone is refused.
    const fresh = forgeJwt(header, { ...claims, exp: now() + 60 }, { rs256: signingKey });
    expect((await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${fresh}`)).status).toBe(
      200,
    );
  });

  it('refuses alg "none", with and without a signature part', async () => {
    const unsigned = forgeJwt({ ...header, alg: 'none' }, { ...claims, role: 'admin' });
    await expectRefusedEverywhere(unsigned);
    await expectRefusedEverywhere(unsigned.slice(0, unsigned.lastIndexOf('.')));
  });

  it('refuses HS256 signed with the published public key as the HMAC secret (algorithm confusion)', async () => {
    const jwk = (await request(t.http).get('/api/auth/.well-known/jwks.json')).body.keys[0];
    const publicPem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [publicPem, publicPem.toString().trim(), JSON.stringify(jwk)]) {
      await expectRefusedEverywhere(forgeJwt({ ...header, alg: 'HS256' }, claims, { hs256: secret }));
    }
  });

  it('refuses a tampered payload under the original signature (subject, role, expiry changed)', async () => {
    const [h, , s] = operator.token.split('.');
    for (const change of [{ sub: admin.id }, { role: 'admin' }, { exp: now() + 86_400 }]) {
      const payload = Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url');
      await expectRefusedEverywhere(`${h}.${payload}.${s}`);
    }
  });

  it('refuses the token of a user disabled after it was issued', async () => {
    const soonDisabled = await createUser(t, { role: 'operator' });
    expect((await request(t.http).get('/runs').set(soonDisabled.auth)).status).toBe(200);
    await request(t.http)
      .patch(`/api/auth/users/${soonDisabled.id}`)
      .set(admin.auth)
      .send({ disabled: true })
      .expect(200);
    await expectRefusedEverywhere(soonDisabled.token);
  });

  describe('API keys', () => {
    let key: TestApiKey;
    beforeAll(async () => {
      key = await mintApiKey(t, ['runs:read'], { createdBy: admin });
    });
    const runsWith = (value: string) => request(t.http).get('/runs').set('X-API-Key', value);

    it('refuses a revoked key from its next request on', async () => {
      const revocable = await mintApiKey(t, ['runs:read'], { createdBy: admin });
      expect((await runsWith(revocable.key)).status).toBe(200);
      await request(t.http).delete(`/api/auth/api-keys/${revocable.id}`).set(admin.auth).expect(200);
      expect(bodyOf(await runsWith(revocable.key))).toEqual(UNAUTHORIZED);
    });

    it('refuses keys of the wrong format with the same 401 as a wrong key', async () => {
      const prefix = key.key.slice(0, 'apk_'.length + 12);
      const wrongFormat = [
        'not-a-key',
        'apk_',
        `${prefix}_`,
        `${prefix}_${'A'.repeat(43)}`,
        `${key.key}x`,
        key.key.slice(0, -1),
        key.key.toUpperCase(),
        ` ${key.key}`.slice(0, -1),
        `${TEST_INSTANCE_KEY}x`,
        TEST_INSTANCE_KEY.slice(0, -1),
        TEST_INSTANCE_KEY.toUpperCase(),
        'a'.repeat(4096),
        'apk_ÿÿÿÿÿÿÿÿÿÿÿÿ_x',
      ];
      for (const value of wrongFormat) {
        const res = await runsWith(value);
        expect([value.slice(0, 40), bodyOf(res)]).toEqual([value.slice(0, 40), UNAUTHORIZED]);
      }
      expect((await runsWith(key.key)).status).toBe(200);
    });

    it('refuses credentials in the wrong place: a key as a bearer token, a JWT as an API key', async () => {
      expect(bodyOf(await request(t.http).get('/runs').set('Authorization', `Bearer ${key.key}`))).toEqual(
        UNAUTHORIZED,
      );
      expect(bodyOf(await runsWith(operator.token))).toEqual(UNAUTHORIZED);
    });
  });

  describe('login', () => {
    const login = (username: string, password: string) =>
      request(t.http).post('/api/auth/login').send({ username, password });

    it('answers an unknown user and a wrong password with the same status and body (no user enumeration)', async () => {
      const known = await createUser(t, { role: 'viewer', password: 'correct horse battery staple' });
      const wrongPassword = await login(known.username, 'correct horse battery stapler');
      const unknownUser = await login(`nobody-${Date.now()}`, 'correct horse battery staple');
      const wrongCase = await login(known.username, 'CORRECT HORSE BATTERY STAPLE');
      for (const res of [wrongPassword, unknownUser, wrongCase]) {
        expect(res.status).toBe(401);
        expect(bodyOf(res)).toEqual(BAD_LOGIN);
        expect(res.headers['www-authenticate']).toBe(unknownUser.headers['www-authenticate']);
      }
      const ok = await login(known.username, 'correct horse battery staple');
      expect(ok.status).toBe(200);
      expect(ok.body.token_type).toBe('bearer');
    });
  });
});
