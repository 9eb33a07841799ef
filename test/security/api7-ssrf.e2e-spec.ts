import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { hostname } from 'node:os';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { forbiddenAddressProblem } from '../../src/outbound/address-rules';
import { TEST_CREDENTIALS_KEY } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { createUser, TestUser } from '../helpers/identity';

const METADATA_URLS = [
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'https://169.254.169.254/token',
  'https://2852039166/token',
  'https://0xA9FEA9FE/token',
  'https://[::ffff:169.254.169.254]/token',
  'https://[fe80::1]/token',
  'https://[fd00:ec2::254]/token',
  'https://0.0.0.0/token',
  'https://metadata.google.internal/computeMetadata/v1/token',
];

const INTERNAL_URLS = [
  'https://127.0.0.1/token',
  'https://10.0.0.5/token',
  'https://172.16.3.4/token',
  'https://192.168.1.10/token',
  'https://[::1]/token',
  'https://[fc00::5]/token',
  'https://localhost/token',
];

/**
 * OWASP API7:2023 Server Side Request Forgery. The only URL the server itself calls is a provider's OAuth
 * token URL (src/provider-credentials). It is checked when stored and before each refresh, and the addresses its
 * host resolves to are checked when connecting (docs/AUTHENTICATION.md, "Where a token URL may point").
 */
describe('OWASP API7 SSRF: OAuth token URLs cannot reach metadata or internal addresses', () => {
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const t = await createTestApp({ env: { AUTOPACK_CREDENTIALS_KEY: TEST_CREDENTIALS_KEY, ...env } });
    apps.push(t);
    return { t, admin: await createUser(t, { role: 'admin' }) };
  };
  afterAll(async () => {
    await Promise.all(apps.map((t) => t.close()));
  });

  const store = (t: TestApp, admin: TestUser, token_url: string, provider = 'etsy') =>
    request(t.http)
      .put(`/api/auth/oauth/credentials/${provider}`)
      .set(admin.auth)
      .send({ client_id: 'client', refresh_token: 'refresh-token-1', token_url });
  const storedRows = (t: TestApp) =>
    t.app.get(DataSource).query('SELECT provider, token_url FROM oauth_credentials');

  it('refuses link-local and metadata token URLs in every environment (422), storing nothing', async () => {
    for (const env of [{}, { AUTOPACK_ENV: 'production' }] as Array<Record<string, string>>) {
      const { t, admin } = await start(env);
      for (const url of METADATA_URLS) {
        const res = await store(t, admin, url);
        expect([url, res.status]).toEqual([url, 422]);
        expect(res.body.message).toMatch(/link-local|metadata|https in production/);
      }
      expect(await storedRows(t)).toEqual([]);
    }
  });

  it('refuses loopback and private token URLs in production (422), storing nothing', async () => {
    const { t, admin } = await start({ AUTOPACK_ENV: 'production' });
    for (const url of INTERNAL_URLS) {
      const res = await store(t, admin, url);
      expect([url, res.status]).toEqual([url, 422]);
      expect(res.body.message).toMatch(/loopback or private address in production/);
    }
    expect(await storedRows(t)).toEqual([]);
    expect((await store(t, admin, 'https://api.etsy.com/v3/public/oauth/token')).status).toBe(200);
  });

  it('with AUTOPACK_OAUTH_TOKEN_HOSTS set, accepts only those hosts', async () => {
    const { t, admin } = await start({
      AUTOPACK_ENV: 'production',
      AUTOPACK_OAUTH_TOKEN_HOSTS: 'api.etsy.com,*.myshopify.com',
    });
    for (const url of [
      'https://evil.example/token',
      'https://api.etsy.com.evil.example/token',
      'https://myshopify.com/admin/oauth/access_token',
    ]) {
      const res = await store(t, admin, url);
      expect([url, res.status]).toEqual([url, 422]);
      expect(res.body.message).toMatch(/not in AUTOPACK_OAUTH_TOKEN_HOSTS/);
    }
    expect(await storedRows(t)).toEqual([]);
    expect((await store(t, admin, 'https://api.etsy.com/token')).status).toBe(200);
    expect(
      (await store(t, admin, 'https://shop-1.myshopify.com/admin/oauth/access_token', 'shopify')).status,
    ).toBe(200);
  });

  it('refuses to start with a malformed AUTOPACK_OAUTH_TOKEN_HOSTS', async () => {
    await expect(
      createTestApp({ env: { AUTOPACK_OAUTH_TOKEN_HOSTS: 'https://api.etsy.com/token' } }),
    ).rejects.toThrow(/AUTOPACK_OAUTH_TOKEN_HOSTS/);
  });

  it('re-checks a stored URL before refreshing: one stored before the allowlist narrowed is refused (409) and the credential stays as it was', async () => {
    const { t, admin } = await start();
    expect((await store(t, admin, 'https://auth.example.com/token')).status).toBe(200);
    // The URL was acceptable when stored; the deployment has since narrowed its allowlist.
    const narrowed = await createTestApp({
      env: { AUTOPACK_CREDENTIALS_KEY: TEST_CREDENTIALS_KEY, AUTOPACK_OAUTH_TOKEN_HOSTS: 'api.etsy.com' },
      database: { url: t.config.databaseUrl!, name: t.databaseName },
    });
    apps.push(narrowed);
    const boss = await createUser(narrowed, { role: 'admin' });
    const res = await request(narrowed.http).post('/api/auth/oauth/refresh/etsy').set(boss.auth);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/not in AUTOPACK_OAUTH_TOKEN_HOSTS/);
    const health = await request(narrowed.http).get('/api/auth/oauth/health/etsy').set(boss.auth);
    expect(health.body).toMatchObject({ status: 'valid', consecutive_failures: 0 });
  });

  describe('names resolved at connect time', () => {
    let listener: Server;
    let connections = 0;
    let port: number;
    /** A name (not a literal address, not "localhost") that this machine resolves to an internal IPv4 address. */
    let name: string;
    beforeAll(async () => {
      name = await internalHostName();
      listener = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
      port = (listener.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

    it('in production, never connects to a host name that resolves to an internal address (forbidden_address)', async () => {
      const { t, admin } = await start({ AUTOPACK_ENV: 'production' });
      expect((await store(t, admin, `https://${name}:${port}/token`)).status).toBe(200);
      const res = await request(t.http).post('/api/auth/oauth/refresh/etsy').set(admin.auth);
      expect(res.status).toBe(502);
      expect(res.body.message).toMatch(/forbidden_address/);
      expect(connections).toBe(0);
      const health = await request(t.http).get('/api/auth/oauth/health/etsy').set(admin.auth);
      expect(health.body).toMatchObject({ status: 'refresh_failed', last_error: 'forbidden_address' });
    });

    it('outside production the same name is reached (the check is what refused it above)', async () => {
      const { t, admin } = await start();
      expect((await store(t, admin, `http://${name}:${port}/token`)).status).toBe(200);
      const res = await request(t.http).post('/api/auth/oauth/refresh/etsy').set(admin.auth);
      expect(res.status).toBe(502);
      expect(res.body.message).toMatch(/network_error/);
      expect(connections).toBe(1);
    });
  });
});

/**
 * This machine's own name, or another that the hosts file maps to an internal address: only DNS reveals
 * where it goes, so it is what the connect-time check exists for.
 */
async function internalHostName(): Promise<string> {
  for (const candidate of [hostname(), 'localhost.localdomain']) {
    const addresses = await lookup(candidate, { all: true, family: 4 }).catch(() => []);
    if (addresses.length > 0 && addresses.every((a) => forbiddenAddressProblem(a.address, true) !== null)) {
      return candidate;
    }
  }
  throw new Error(`no host name of this machine resolves to an internal IPv4 address (tried ${hostname()})`);
}
