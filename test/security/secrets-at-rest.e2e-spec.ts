import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { createUser } from '../helpers/identity';
import { rememberSecret } from '../helpers/secrets';

/** Every row of every table, as text: what someone with a copy of the database would read. */
async function dumpDatabase(t: TestApp): Promise<string> {
  const db = t.app.get(DataSource);
  const tables: Array<{ table_name: string }> = await db.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const dumps = await Promise.all(
    tables.map(async ({ table_name }) => {
      const rows: Array<{ row: string }> = await db.query(`SELECT t::text AS row FROM "${table_name}" t`);
      return `${table_name}: ${rows.map((r) => r.row).join('\n')}`;
    }),
  );
  return dumps.join('\n');
}

const fresh = (label: string) => {
  const value = `${label}-${randomBytes(18).toString('base64url')}`;
  rememberSecret(value);
  return value;
};

// G4: production writes no plaintext secret, neither to its disk nor to its database.
describe('secrets at rest in production', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { AUTOPACK_ENV: 'production', AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '100' },
    });
  });
  afterAll(() => t.close());

  it('keeps no plaintext key, password, token or credential in the database, and writes nothing to its data directory', async () => {
    const password = fresh('password');
    const admin = await createUser(t, { role: 'admin', password });
    const login = await request(t.http)
      .post('/api/auth/login')
      .send({ username: admin.username, password })
      .expect(200);
    const minted = await request(t.http)
      .post('/api/auth/api-keys')
      .set(admin.auth)
      .send({ name: 'executor', scopes: ['runs:write'] })
      .expect(201);
    const credential = {
      client_id: 'etsy-client',
      client_secret: fresh('client-secret'),
      access_token: fresh('access-token'),
      refresh_token: fresh('refresh-token'),
      token_url: 'https://auth.example.com/token',
    };
    await request(t.http)
      .put('/api/auth/oauth/credentials/etsy')
      .set(admin.auth)
      .send(credential)
      .expect(200);

    const dump = await dumpDatabase(t);
    expect(dump).toContain(admin.username); // the dump reads the rows the requests wrote
    expect(dump).toContain('etsy-client');
    const secrets = {
      password,
      access_token: login.body.access_token as string,
      api_key: minted.body.key as string,
      // The part after the public prefix is the secret: the prefix itself is stored to find the key.
      api_key_secret: (minted.body.key as string).slice((minted.body.prefix as string).length),
      instance_key: TEST_INSTANCE_KEY,
      client_secret: credential.client_secret,
      oauth_access_token: credential.access_token,
      refresh_token: credential.refresh_token,
    };
    const found = Object.entries(secrets).filter(([, value]) => dump.includes(value));
    expect(found.map(([name]) => name)).toEqual([]);
    expect(readdirSync(t.config.dataDir)).toEqual([]);
  });
});
