import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { createTestDatabase, cutOffDatabase, restoreDatabase } from './helpers/database';
import { ProbeController } from './helpers/probe.controller';

const LIMITED = { AUTOPACK_RATE_LIMIT_PER_MINUTE: '3' };

describe('rate limits (PostgreSQL-backed, per principal else per client IP)', () => {
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string> = {}, database?: { url: string; name: string }) => {
    const t = await createTestApp({ controllers: [ProbeController], env: { ...LIMITED, ...env }, database });
    apps.push(t);
    return t;
  };
  afterAll(async () => {
    await Promise.all(apps.map((t) => t.close()));
  });

  it('answers 429 with Retry-After once a principal exceeds its budget', async () => {
    const t = await start();
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await request(t.http).get('/probe/read').set('X-API-Key', TEST_INSTANCE_KEY);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  });

  it('shares one budget between two replicas on the same database', async () => {
    const database = await createTestDatabase();
    const a = await start({}, database);
    const b = await start({}, database);
    const statuses = [];
    for (const t of [a, b, a, b]) {
      statuses.push((await request(t.http).get('/probe/read').set('X-API-Key', TEST_INSTANCE_KEY)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('does not let a client escape the per-IP budget by rotating X-Forwarded-For', async () => {
    const t = await start();
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await request(t.http).get('/probe/public').set('X-Forwarded-For', `203.0.113.${i}`)).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const t = await start({ AUTOPACK_TRUSTED_PROXIES: '127.0.0.1,::1,::ffff:127.0.0.1' });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await request(t.http).get('/probe/public').set('X-Forwarded-For', `203.0.113.${i}`)).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
  });

  it('fails closed with 503 when the counter store is unreachable', async () => {
    const t = await start();
    await cutOffDatabase(t.databaseName);
    try {
      const res = await request(t.http).get('/probe/public');
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/Rate limit store unavailable/);
    } finally {
      await restoreDatabase(t.databaseName);
    }
  });
});
