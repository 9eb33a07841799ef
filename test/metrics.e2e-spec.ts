import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { ProbeController } from './helpers/probe.controller';

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ controllers: [ProbeController] });
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const res = await request(t.http).get('/metrics').set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.text;
  };

  it('needs an API key with metrics:read', async () => {
    expect((await request(t.http).get('/metrics')).status).toBe(401);
    expect((await request(t.http).get('/metrics').set('X-API-Key', 'nope-nope-nope-nope')).status).toBe(401);
  });

  it('counts requests by route template and status, never by raw path', async () => {
    await request(t.http).get('/probe/items/first-secret-id');
    await request(t.http).get('/probe/items/second-secret-id');
    await request(t.http).get('/no/such/route');
    const text = await scrape();
    expect(text).toMatch(
      /autopack_http_requests_total\{method="GET",route="\/probe\/items\/:id",status="200"\} 2/,
    );
    expect(text).toMatch(/autopack_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).toMatch(
      /autopack_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/probe\/items\/:id",status="200"\}/,
    );
    expect(text).not.toContain('secret-id');
  });

  it('counts rate-limit rejections', async () => {
    const limited = await createTestApp({
      controllers: [ProbeController],
      env: { AUTOPACK_RATE_LIMIT_PER_MINUTE: '2' },
    });
    try {
      for (let i = 0; i < 4; i++) await request(limited.http).get('/probe/public');
      const res = await request(limited.http).get('/metrics').set('X-API-Key', TEST_INSTANCE_KEY);
      expect(res.text).toMatch(/autopack_rate_limit_rejections_total\{route="\/probe\/public"\} 2/);
    } finally {
      await limited.close();
    }
  });

  it('reports the database pool', async () => {
    const text = await scrape();
    expect(text).toMatch(/^autopack_db_pool_connections [1-9]\d*$/m);
    expect(text).toMatch(/^autopack_db_pool_waiting_requests 0$/m);
  });
});
