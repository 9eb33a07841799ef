import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { createUser, mintApiKey, TestUser } from './helpers/identity';
import { ProbeController } from './helpers/probe.controller';

const UNAUTHORIZED = { statusCode: 401, error: 'Unauthorized', message: 'Missing or invalid credentials' };
const bodyOf = (res: request.Response) => {
  const { request_id: _ignored, ...body } = res.body;
  return body;
};

describe('stored API keys', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ controllers: [ProbeController] });
    admin = await createUser(t, { role: 'admin' });
  });
  afterAll(() => t.close());

  const create = (body: object, who: { Authorization: string } = admin.auth) =>
    request(t.http).post('/api/auth/api-keys').set(who).send(body);

  it('shows the secret once at creation, stores only its hash, never lists it', async () => {
    const res = await create({ name: 'executor-01', scopes: ['runs:write', 'runs:read'] });
    expect(res.status).toBe(201);
    const { key, id, prefix } = res.body;
    expect(key).toMatch(/^apk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`${prefix}_`)).toBe(true);
    expect(res.body).toMatchObject({
      principal_id: `apikey:${id}`,
      name: 'executor-01',
      scopes: ['runs:read', 'runs:write'],
      owner: admin.principalId,
      created_by: admin.principalId,
      last_used_at: null,
      expires_at: null,
      revoked_at: null,
      status: 'active',
    });

    const list = await request(t.http).get('/api/auth/api-keys').set(admin.auth);
    expect(list.status).toBe(200);
    expect(list.body.api_keys.find((k: { id: string }) => k.id === id)).toMatchObject({
      prefix,
      name: 'executor-01',
    });
    expect(JSON.stringify(list.body)).not.toContain(key.slice(prefix.length + 1));
    expect(list.body.api_keys.every((k: object) => !('key' in k) && !('secret_hash' in k))).toBe(true);

    const dump = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM api_keys'));
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(key.slice(prefix.length + 1));
  });

  it('authenticates a stored key as its own principal with its scopes, and records last use', async () => {
    const minted = await mintApiKey(t, ['runs:write'], { createdBy: admin });
    const res = await request(t.http)
      .post('/probe/machine')
      .set(minted.headers)
      .send({ name: 'n', kind: 'a', inner: { count: 1 } });
    expect(res.status).toBe(201);
    expect(res.body.principal).toBe(minted.principalId);
    const [row] = await t.app
      .get(DataSource)
      .query('SELECT last_used_at FROM api_keys WHERE id = $1', [minted.id]);
    expect(row.last_used_at).not.toBeNull();
  });

  it('refuses a key without the scope a route needs (403)', async () => {
    const minted = await mintApiKey(t, ['runs:read'], { createdBy: admin });
    const res = await request(t.http).get('/probe/metrics-only').set(minted.headers);
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/metrics:read/);
    const ok = await mintApiKey(t, ['metrics:read'], { createdBy: admin });
    expect((await request(t.http).get('/probe/metrics-only').set(ok.headers)).status).toBe(200);
  });

  it('@PublicRead accepts a key with a read scope and refuses one without (403)', async () => {
    const reader = await mintApiKey(t, ['runs:read'], { createdBy: admin });
    const writer = await mintApiKey(t, ['runs:write', 'actions:propose'], { createdBy: admin });
    const read = await request(t.http).get('/probe/read').set(reader.headers);
    expect(read.status).toBe(200);
    expect(read.body.principal).toBe('api_key');
    expect((await request(t.http).get('/probe/read').set(writer.headers)).status).toBe(403);
  });

  it('refuses a revoked key on its next request', async () => {
    const minted = await mintApiKey(t, ['metrics:read'], { createdBy: admin });
    expect((await request(t.http).get('/probe/metrics-only').set(minted.headers)).status).toBe(200);
    const revoked = await request(t.http).delete(`/api/auth/api-keys/${minted.id}`).set(admin.auth);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
    expect(bodyOf(await request(t.http).get('/probe/metrics-only').set(minted.headers))).toEqual(
      UNAUTHORIZED,
    );
    // Revoking again keeps the first revocation.
    const again = await request(t.http).delete(`/api/auth/api-keys/${minted.id}`).set(admin.auth);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
  });

  it('refuses an expired key', async () => {
    // Expiry is judged on every request, also while the key's lookup is cached (AUTOPACK_API_KEY_CACHE_SECONDS).
    const expiresAt = new Date(Date.now() + 3_000);
    const minted = await mintApiKey(t, ['metrics:read'], { createdBy: admin, expiresAt });
    expect((await request(t.http).get('/probe/metrics-only').set(minted.headers)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now()) + 100));
    expect(bodyOf(await request(t.http).get('/probe/metrics-only').set(minted.headers))).toEqual(
      UNAUTHORIZED,
    );
    const listed = await request(t.http).get('/api/auth/api-keys').set(admin.auth);
    expect(listed.body.api_keys.find((k: { id: string }) => k.id === minted.id).status).toBe('expired');
  });

  it('answers a wrong secret under a real prefix exactly like a missing key', async () => {
    const minted = await mintApiKey(t, ['metrics:read'], { createdBy: admin });
    const prefix = minted.key.slice(0, 'apk_'.length + 12);
    const forged = `${prefix}_${'A'.repeat(43)}`;
    const unknownPrefix = `apk_000000000000_${minted.key.slice(-43)}`;
    for (const headers of [
      {},
      { 'X-API-Key': forged },
      { 'X-API-Key': unknownPrefix },
      { 'X-API-Key': `${minted.key}x` },
    ]) {
      expect(bodyOf(await request(t.http).get('/probe/metrics-only').set(headers))).toEqual(UNAUTHORIZED);
    }
  });

  it('lets only admins (humans) mint and revoke keys', async () => {
    const operator = await createUser(t, { role: 'operator' });
    expect((await create({ name: 'x', scopes: ['runs:read'] }, operator.auth)).status).toBe(403);
    const byMachine = await request(t.http)
      .post('/api/auth/api-keys')
      .set('X-API-Key', TEST_INSTANCE_KEY)
      .send({ name: 'x', scopes: ['runs:read'] });
    expect(byMachine.status).toBe(403);
    const stored = await mintApiKey(t, ['runs:write'], { createdBy: admin });
    expect((await request(t.http).get('/api/auth/api-keys').set(stored.headers)).status).toBe(403);
    expect((await request(t.http).delete(`/api/auth/api-keys/${stored.id}`).set(operator.auth)).status).toBe(
      403,
    );
  });

  it('validates creation: scopes, name, owner, expiry in the future', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    for (const body of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['runs:admin'] },
      { name: 'x', scopes: ['runs:read', 'runs:read'] },
      { name: '', scopes: ['runs:read'] },
      { name: 'x', scopes: ['runs:read'], expires_at: 'tomorrow' },
      { name: 'x', scopes: ['runs:read'], owner: 'apikey:instance' },
      { name: 'x', scopes: ['runs:read'], secret: 'chosen-by-me' },
    ]) {
      expect((await create(body)).status).toBe(422);
    }
    expect(
      (
        await create({
          name: 'x',
          scopes: ['runs:read'],
          expires_at: new Date(Date.now() - 1000).toISOString(),
        })
      ).status,
    ).toBe(422);
    expect(
      (await create({ name: 'x', scopes: ['runs:read'], owner: 'user:00000000-0000-4000-8000-000000000000' }))
        .status,
    ).toBe(422);
    const operator = await createUser(t, { role: 'operator' });
    const owned = await create({
      name: 'owned',
      scopes: ['runs:read'],
      owner: operator.principalId,
      expires_at: future,
    });
    expect(owned.status).toBe(201);
    expect(owned.body).toMatchObject({
      owner: operator.principalId,
      created_by: admin.principalId,
      expires_at: future,
    });
    expect((await request(t.http).delete('/api/auth/api-keys/nope').set(admin.auth)).status).toBe(400);
    expect(
      (
        await request(t.http)
          .delete('/api/auth/api-keys/00000000-0000-4000-8000-000000000000')
          .set(admin.auth)
      ).status,
    ).toBe(404);
  });
});
