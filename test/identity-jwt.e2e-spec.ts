import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import request from 'supertest';
import { TokenService } from '../src/auth/jwt/token.service';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { createUser, TestUser } from './helpers/identity';
import { decodeJwt, forgeJwt } from './helpers/jwt';
import { ProbeController } from './helpers/probe.controller';

const UNAUTHORIZED = { statusCode: 401, error: 'Unauthorized', message: 'Missing or invalid credentials' };
const bodyOf = (res: request.Response) => {
  const { request_id: _ignored, ...body } = res.body;
  return body;
};

describe('RS256 access tokens: what the guard refuses', () => {
  let t: TestApp;
  let user: TestUser;
  let claims: Record<string, unknown>;
  let header: Record<string, unknown>;
  let privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'];

  beforeAll(async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = keys.privateKey;
    t = await createTestApp({
      controllers: [ProbeController],
      env: {
        JWT_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        JWT_PUBLIC_KEY: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
    user = await createUser(t, { role: 'operator' });
    ({ header, payload: claims } = decodeJwt(user.token));
  });
  afterAll(() => t.close());

  const me = (token: string) => request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts the genuine token, carrying kid, iss, aud, exp (15 minutes by default)', async () => {
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    expect(claims).toMatchObject({ iss: 'autopack', aud: 'autopack-api', sub: user.id });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    const res = await me(user.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, username: user.username, role: 'operator' });
  });

  it('publishes the public key as a JWKS that verifies the token', async () => {
    const res = await request(t.http).get('/api/auth/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(1);
    const [jwk] = res.body.keys;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: header.kid });
    expect(jwk.d).toBeUndefined();
    const [h, p, s] = user.token.split('.');
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
  });

  it('refuses alg "none" (unsigned)', async () => {
    const token = forgeJwt({ ...header, alg: 'none' }, claims);
    expect(bodyOf(await me(token))).toEqual(UNAUTHORIZED);
    expect(bodyOf(await me(`${token.slice(0, token.lastIndexOf('.'))}.`))).toEqual(UNAUTHORIZED);
  });

  it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const jwks = (await request(t.http).get('/api/auth/.well-known/jwks.json')).body;
    const publicPem = createPublicKey({ key: jwks.keys[0], format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    for (const secret of [publicPem, publicPem.toString().trim()]) {
      const token = forgeJwt({ ...header, alg: 'HS256' }, { ...claims, role: 'admin' }, { hs256: secret });
      expect(bodyOf(await me(token))).toEqual(UNAUTHORIZED);
    }
  });

  it('refuses an expired token', async () => {
    const expired = forgeJwt(
      header,
      { ...claims, iat: now() - 3600, exp: now() - 60 },
      { rs256: privateKey },
    );
    expect(bodyOf(await me(expired))).toEqual(UNAUTHORIZED);
    // The same claims with a future exp pass: it is the expiry alone that is refused.
    const fresh = forgeJwt(header, { ...claims, exp: now() + 60 }, { rs256: privateKey });
    expect((await me(fresh)).status).toBe(200);
  });

  it('refuses a token with an unknown kid, or none, even when signed by the right key', async () => {
    for (const kid of ['another-key', undefined]) {
      const token = forgeJwt({ ...header, kid }, claims, { rs256: privateKey });
      expect(bodyOf(await me(token))).toEqual(UNAUTHORIZED);
    }
  });

  it('refuses a token signed by another key that claims our kid', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = forgeJwt(header, claims, { rs256: attacker.privateKey });
    expect(bodyOf(await me(token))).toEqual(UNAUTHORIZED);
  });

  it('refuses a tampered payload (role raised, subject changed) under the original signature', async () => {
    const [h, , s] = user.token.split('.');
    const admin = await createUser(t, { role: 'admin' });
    for (const change of [{ role: 'admin' }, { sub: admin.id }, { exp: now() + 86_400 }]) {
      const payload = Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url');
      expect(bodyOf(await me(`${h}.${payload}.${s}`))).toEqual(UNAUTHORIZED);
    }
  });

  it('refuses a wrong issuer or audience, and a token not yet valid', async () => {
    for (const change of [{ iss: 'someone-else' }, { aud: 'another-api' }, { nbf: now() + 3600 }]) {
      const token = forgeJwt(header, { ...claims, ...change }, { rs256: privateKey });
      expect(bodyOf(await me(token))).toEqual(UNAUTHORIZED);
    }
    const both = forgeJwt(header, { ...claims, aud: ['x', 'autopack-api'] }, { rs256: privateKey });
    expect((await me(both)).status).toBe(200);
  });

  it('refuses malformed Authorization headers', async () => {
    for (const value of [
      'Bearer',
      `Basic ${user.token}`,
      `Bearer ${user.token} extra`,
      'Bearer a.b',
      'x'.repeat(10_000),
    ]) {
      const res = await request(t.http).get('/api/auth/me').set('Authorization', value);
      expect(bodyOf(res)).toEqual(UNAUTHORIZED);
    }
  });

  it('refuses a token issued by another server with its own ephemeral key', async () => {
    const other = await createTestApp();
    try {
      const stranger = await createUser(other, { role: 'admin' });
      expect(bodyOf(await me(stranger.token))).toEqual(UNAUTHORIZED);
    } finally {
      await other.close();
    }
  });

  it('issues tokens with the configured lifetime', async () => {
    const short = await createTestApp({
      env: { JWT_TTL_SECONDS: '120', JWT_ISSUER: 'iss-x', JWT_AUDIENCE: 'aud-y' },
    });
    try {
      const issued = short.app
        .get(TokenService)
        .issue({ id: user.id, username: 'u', role: 'viewer' }, '00000000-0000-4000-8000-000000000000');
      expect(issued.expiresIn).toBe(120);
      const { payload } = decodeJwt(issued.accessToken);
      expect(payload).toMatchObject({ iss: 'iss-x', aud: 'aud-y' });
      expect(Number(payload.exp) - Number(payload.iat)).toBe(120);
    } finally {
      await short.close();
    }
  });

  describe('@UserAuth and @PublicRead with humans', () => {
    it('@UserAuth(role) passes the role and stronger ones, refuses weaker ones with 403', async () => {
      const viewer = await createUser(t, { role: 'viewer' });
      const admin = await createUser(t, { role: 'admin' });
      const list = (who: TestUser) => request(t.http).get('/api/auth/users').set(who.auth);
      expect((await list(admin)).status).toBe(200);
      for (const who of [viewer, user]) {
        const res = await list(who);
        expect(res.status).toBe(403);
        expect(res.body.message).toMatch(/"admin" role/);
      }
    });

    it('@UserAuth refuses machine keys, even the instance admin key, with 403', async () => {
      const res = await request(t.http).get('/api/auth/users').set('X-API-Key', TEST_INSTANCE_KEY);
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/signed-in user/);
      expect((await request(t.http).get('/api/auth/me').set('X-API-Key', 'wrong-key-wrong-key')).status).toBe(
        401,
      );
      expect((await request(t.http).get('/api/auth/me')).status).toBe(401);
    });

    it('@PublicRead accepts every user role and refuses a bad token', async () => {
      const viewer = await createUser(t, { role: 'viewer' });
      const res = await request(t.http).get('/probe/read').set(viewer.auth);
      expect(res.status).toBe(200);
      expect(res.body.principal).toBe('user');
      expect((await request(t.http).get('/probe/read').set('Authorization', 'Bearer x.y.z')).status).toBe(
        401,
      );
    });

    it('@ApiKey routes refuse users: a JWT is not an API key', async () => {
      const admin = await createUser(t, { role: 'admin' });
      expect((await request(t.http).get('/probe/metrics-only').set(admin.auth)).status).toBe(401);
    });
  });
});
