import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { ProbeController } from './helpers/probe.controller';

const valid = { name: 'n', kind: 'a', inner: { count: 1 } };

describe('HTTP basics (src/http/)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ controllers: [ProbeController], env: { AUTOPACK_BODY_LIMIT_BYTES: '2048' } });
  });
  afterAll(() => t.close());

  const post = (body: string | object, type = 'application/json') =>
    request(t.http)
      .post('/probe/machine')
      .set('X-API-Key', TEST_INSTANCE_KEY)
      .set('Content-Type', type)
      .send(body);

  it('answers malformed JSON with 400 in the error envelope', async () => {
    const res = await post('{"name": "n",');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Malformed JSON in request body',
      request_id: expect.any(String),
    });
  });

  it('answers a body over the limit with 413', async () => {
    const res = await post({ ...valid, name: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect(res.body.message).toBe('Request body is too large');
  });

  it('answers body validation failures with 422 and executor-style detail', async () => {
    const res = await post({ name: 5, kind: 'z', inner: { count: 0 }, extra: true });
    expect(res.status).toBe(422);
    const locs = res.body.detail.map((d: { loc: unknown[] }) => d.loc.join('.'));
    expect(locs).toEqual(
      expect.arrayContaining(['body.name', 'body.kind', 'body.inner.count', 'body.extra']),
    );
    expect(res.body.detail.find((d: { loc: string[] }) => d.loc[1] === 'extra').type).toBe('extra_forbidden');
    for (const item of res.body.detail) expect(Object.keys(item).sort()).toEqual(['loc', 'msg', 'type']);
  });

  it('answers a missing body with 422, not 500', async () => {
    const res = await request(t.http).post('/probe/machine').set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.status).toBe(422);
  });

  it('answers with Cache-Control: no-store and without an automatic ETag', async () => {
    const res = await request(t.http).get('/probe/read?limit=7').set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBeUndefined();
  });

  it('answers invalid query parameters with 400 and detail', async () => {
    const res = await request(t.http).get('/probe/read?limit=1000').set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.status).toBe(400);
    expect(res.body.detail[0].loc).toEqual(['query', 'limit']);
    const ok = await request(t.http).get('/probe/read?limit=7').set('X-API-Key', TEST_INSTANCE_KEY);
    expect(ok.body.limit).toBe(7);
  });

  it('answers unknown routes and wrong methods with a JSON 404', async () => {
    for (const res of [
      await request(t.http).get('/no/such/route'),
      await request(t.http).delete('/health'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body.statusCode).toBe(404);
    }
  });

  it('turns an unexpected error into a bare 500 without stack, SQL or path', async () => {
    const res = await request(t.http).get('/probe/boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      request_id: expect.any(String),
    });
    expect(res.text).not.toMatch(/SELECT|password|\/etc|\.ts|at /);
  });

  it('echoes a safe X-Request-ID and replaces an unsafe or overlong one', async () => {
    const safe = await request(t.http).get('/health').set('X-Request-ID', 'abc-123.XYZ');
    expect(safe.headers['x-request-id']).toBe('abc-123.XYZ');
    for (const bad of ['x'.repeat(129), 'has space', '<script>', 'a\tb']) {
      const res = await request(t.http).get('/health').set('X-Request-ID', bad);
      expect(res.headers['x-request-id']).not.toBe(bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const err = await request(t.http).get('/no/such').set('X-Request-ID', 'trace-1');
    expect(err.body.request_id).toBe('trace-1');
  });

  it('sets security headers and no CORS or X-Powered-By', async () => {
    const res = await request(t.http).get('/health').set('Origin', 'https://evil.example');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBeDefined();
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves the Swagger UI outside production', async () => {
    expect((await request(t.http).get('/docs/')).status).toBe(200);
    const doc = await request(t.http).get('/docs/openapi.json');
    expect(doc.body.paths['/health']).toBeDefined();
  });

  it('answers /docs with 404 in production', async () => {
    const prod = await createTestApp({ env: { AUTOPACK_ENV: 'production' } });
    try {
      for (const path of ['/docs', '/docs/', '/docs/openapi.json']) {
        expect((await request(prod.http).get(path)).status).toBe(404);
      }
    } finally {
      await prod.close();
    }
  });
});
