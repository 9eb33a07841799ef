import request from 'supertest';
import { createTestApp } from './helpers/app';
import type { TestApp } from './helpers/app';
import { createTestDatabase } from './helpers/database';
import { createUser, mintApiKey } from './helpers/identity';
import { countQueries } from './helpers/runs';

/**
 * Stored API keys are looked up once per AUTOPACK_API_KEY_CACHE_SECONDS per replica (issue #19): a
 * revocation applies at once on the replica that made it and within that bound on every other one.
 */
describe('API key lookups: cached for a few seconds, revocation within the bound', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((t) => t.close()));
  });
  const start = async (env: Record<string, string>, database?: { url: string; name: string }) => {
    const t = await createTestApp({ env, database });
    apps.push(t);
    return t;
  };

  it('a key used again within the bound costs no lookup, and its revocation on this replica applies at once', async () => {
    const t = await start({ AUTOPACK_API_KEY_CACHE_SECONDS: '60' });
    const admin = await createUser(t, { role: 'admin' });
    const key = await mintApiKey(t, ['runs:read'], { createdBy: admin });
    expect((await request(t.http).get('/runs').set(key.headers)).status).toBe(200);
    const { result, queries } = await countQueries(t, () => request(t.http).get('/runs').set(key.headers));
    expect(result.status).toBe(200);
    expect(queries.filter((q) => q.includes('api_keys'))).toEqual([]);

    expect((await request(t.http).delete(`/api/auth/api-keys/${key.id}`).set(admin.auth)).status).toBe(200);
    expect((await request(t.http).get('/runs').set(key.headers)).status).toBe(401);
  });

  it('a revocation made on another replica applies within AUTOPACK_API_KEY_CACHE_SECONDS', async () => {
    const database = await createTestDatabase();
    const env = { AUTOPACK_API_KEY_CACHE_SECONDS: '1' };
    const a = await start(env, database);
    const b = await start(env, database);
    const admin = await createUser(a, { role: 'admin' });
    const key = await mintApiKey(a, ['runs:read'], { createdBy: admin });
    expect((await request(b.http).get('/runs').set(key.headers)).status).toBe(200);

    expect((await request(a.http).delete(`/api/auth/api-keys/${key.id}`).set(admin.auth)).status).toBe(200);
    expect((await request(a.http).get('/runs').set(key.headers)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await request(b.http).get('/runs').set(key.headers)).status).toBe(401);
  });

  it('with the cache off, every request looks the key up', async () => {
    const t = await start({ AUTOPACK_API_KEY_CACHE_SECONDS: '0' });
    const key = await mintApiKey(t, ['runs:read']);
    expect((await request(t.http).get('/runs').set(key.headers)).status).toBe(200);
    const { queries } = await countQueries(t, () => request(t.http).get('/runs').set(key.headers));
    expect(queries.filter((q) => q.includes('api_keys')).length).toBeGreaterThanOrEqual(1);
  });
});
