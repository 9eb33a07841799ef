import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AppLogger } from '../../src/http/logging';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { createUser, mintApiKey } from '../helpers/identity';
import { findSecrets } from '../log-scan';

// The whole suite's logs are scanned at the end of every run (test/global-teardown.ts). This file proves
// the scan on one app at debug level: the secrets it handles stay out of its log, and a planted one is found.
describe('no secret is ever logged', () => {
  let t: TestApp;
  let logFile: string;

  beforeAll(async () => {
    logFile = join(mkdtempSync(join(tmpdir(), 'autopack-log-')), 'app.log');
    t = await createTestApp({ env: { LOG_LEVEL: 'trace', LOG_FILE: logFile } });
  });
  afterAll(() => t.close());

  const logText = () => readFileSync(logFile, 'utf8');

  it('keeps keys, passwords, tokens and credentials used over HTTP out of the log', async () => {
    const admin = await createUser(t, { role: 'admin', password: 'admin-password-for-log-scan' });
    const key = await mintApiKey(t, ['runs:read'], { createdBy: admin });
    await request(t.http).get('/runs').set(key.headers).expect(200);
    await request(t.http).get('/runs').set('X-API-Key', TEST_INSTANCE_KEY).expect(200);
    await request(t.http).get('/api/auth/me').set(admin.auth).expect(200);
    await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${admin.token}x`).expect(401);
    const login = await request(t.http)
      .post('/api/auth/login')
      .send({ username: admin.username, password: 'admin-password-for-log-scan' })
      .expect(200);
    await request(t.http)
      .post('/api/auth/login')
      .send({ username: admin.username, password: 'a-wrong-password-for-log-scan' })
      .expect(401);
    // An unknown query parameter is refused (400), but the request is still logged: without its query.
    await request(t.http).get('/runs?api_key=query-secret-for-log-scan').set(key.headers).expect(400);
    const minted = await request(t.http)
      .post('/api/auth/api-keys')
      .set(admin.auth)
      .send({ name: 'scan', scopes: ['runs:read'] })
      .expect(201);

    const used = [
      key.key,
      TEST_INSTANCE_KEY,
      admin.token,
      'admin-password-for-log-scan',
      'a-wrong-password-for-log-scan',
      'query-secret-for-log-scan',
      login.body.access_token as string,
      minted.body.key as string,
    ];
    const text = logText();
    expect(text.split('\n').filter(Boolean).length).toBeGreaterThan(8); // the requests were logged
    expect(findSecrets('app.log', text, used)).toEqual([]);
  });

  it('finds a secret that does reach the log, masked in its report', async () => {
    const key = await mintApiKey(t, ['runs:read']);
    const logger = t.app.get(AppLogger);
    logger.log(`careless line with ${key.key}`);
    logger.log(
      { password: 'redacted-by-pino-1234', nested: { client_secret: 'redacted-by-pino-5678' } },
      'fields',
    );

    const hits = findSecrets('app.log', logText(), [
      key.key,
      'redacted-by-pino-1234',
      'redacted-by-pino-5678',
    ]);
    // Found twice: as the secret the test used and by its API-key shape; the redacted fields are not.
    expect(hits.map((hit) => hit.what)).toEqual([
      `a secret the tests used (${key.key.slice(0, 4)}… ${key.key.length} chars)`,
      expect.stringMatching(/^a API key \(apk_… \d+ chars\)$/),
    ]);
    expect(JSON.stringify(hits)).not.toContain(key.key);
  });
});
