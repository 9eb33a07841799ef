import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { createUser, TestUser } from '../helpers/identity';
import { ProbeController } from '../helpers/probe.controller';

/** What must never appear in an error body: stack frames, source paths, SQL, exception class names. */
const LEAKS = [
  /\bat [\w.<>]+ \(/,
  /\.ts:\d+/,
  /\.js:\d+/,
  /node_modules/,
  /\/etc\//,
  /SELECT /i,
  /Error:/,
  /"stack"/,
];

/**
 * OWASP API8:2023 Security Misconfiguration, in production mode: errors are the JSON envelope and nothing
 * else (no stack, path or SQL, even for a 500), the security headers are on every answer (successes and
 * errors), CORS is closed (no Access-Control-* for any origin), and the Swagger UI and document are not
 * served.
 */
describe('OWASP API8 security misconfiguration: production answers leak nothing and carry the security headers', () => {
  let t: TestApp;
  let viewer: TestUser;
  const instance = { 'X-API-Key': TEST_INSTANCE_KEY };

  beforeAll(async () => {
    t = await createTestApp({
      controllers: [ProbeController],
      env: { AUTOPACK_ENV: 'production', AUTOPACK_BODY_LIMIT_BYTES: '2048' },
    });
    viewer = await createUser(t, { role: 'viewer' });
  });
  afterAll(() => t.close());

  /** One request per kind of error the app produces. */
  const errorProbes = (): Array<[string, () => request.Test, number]> => [
    ['unexpected exception', () => request(t.http).get('/probe/boom'), 500],
    ['unknown route', () => request(t.http).get('/no/such/route'), 404],
    ['wrong method', () => request(t.http).delete('/health'), 404],
    ['TRACE', () => request(t.http).trace('/health'), 404],
    ['missing credentials', () => request(t.http).get('/runs'), 401],
    ['wrong role', () => request(t.http).get('/api/auth/users').set(viewer.auth), 403],
    [
      'malformed JSON',
      () =>
        request(t.http)
          .post('/runs/start')
          .set(instance)
          .set('Content-Type', 'application/json')
          .send('{"run":'),
      400,
    ],
    [
      'body validation',
      () =>
        request(t.http)
          .post('/runs/start')
          .set(instance)
          .send({ run: { run_id: 5 } }),
      422,
    ],
    ['bad query', () => request(t.http).get('/runs?limit=abc').set(instance), 400],
    [
      'body too large',
      () =>
        request(t.http)
          .post('/runs/start')
          .set(instance)
          .send({ x: 'y'.repeat(4096) }),
      413,
    ],
    ['unknown run', () => request(t.http).get("/runs/it's-not-there").set(instance), 404],
    ['bad uuid', () => request(t.http).delete('/api/auth/api-keys/not-a-uuid').set(viewer.auth), 403],
    [
      'NUL in a body',
      () =>
        request(t.http)
          .post('/external-actions')
          .set(instance)
          .set('Idempotency-Key', 'k-1')
          .send({ provider: 'etsy\u0000', action: 'x' }),
      422,
    ],
  ];

  it('every kind of error is the bare JSON envelope: no stack trace, source path, SQL or exception name', async () => {
    for (const [name, send, status] of errorProbes()) {
      const res = await send();
      expect([name, res.status]).toEqual([name, status]);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({
        statusCode: status,
        error: expect.any(String),
        request_id: expect.any(String),
      });
      for (const leak of LEAKS) expect([name, leak.test(res.text)]).toEqual([name, false]);
    }
    const boom = await request(t.http).get('/probe/boom');
    expect(boom.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      request_id: expect.any(String),
    });
  });

  it('sets the security headers on successes and errors alike, and no X-Powered-By', async () => {
    for (const res of [
      await request(t.http).get('/health/live'),
      await request(t.http).get('/runs').set(instance),
      await request(t.http).get('/no/such/route'),
      await request(t.http).get('/probe/boom'),
      await request(t.http).get('/runs'),
    ]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toMatch(/^(DENY|SAMEORIGIN)$/);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors '(none|self)'/);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('keeps CORS closed: no Access-Control-* header for a cross-origin request or preflight', async () => {
    const preflight = await request(t.http)
      .options('/runs')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'x-api-key');
    const simple = await request(t.http).get('/runs').set(instance).set('Origin', 'https://evil.example');
    for (const res of [preflight, simple]) {
      const cors = Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));
      expect(cors).toEqual([]);
    }
    expect(preflight.status).not.toBe(204);
    expect(simple.status).toBe(200);
  });

  it('serves no Swagger UI or OpenAPI document in production', async () => {
    for (const path of [
      '/docs',
      '/docs/',
      '/docs/openapi.json',
      '/docs-json',
      '/docs/swagger-ui-init.js',
      '/api-json',
    ]) {
      const res = await request(t.http).get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'request_id', 'statusCode']);
    }
    // The same paths do serve the UI and document outside production: the probe above is aimed right.
    const dev = await createTestApp();
    try {
      expect((await request(dev.http).get('/docs/')).text).toMatch(/swagger-ui/);
      expect((await request(dev.http).get('/docs/openapi.json')).body.openapi).toMatch(/^3\./);
    } finally {
      await dev.close();
    }
  });
});
