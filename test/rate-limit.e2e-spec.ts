import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { createTestDatabase, cutOffDatabase, restoreDatabase } from './helpers/database';
import { ProbeController } from './helpers/probe.controller';
import { reservationSize } from '../src/rate-limit/postgres-throttler.storage';

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

  it('large budgets reserve hits in batches: two replicas never admit more than the budget, and refuse at most batch−1 early each', async () => {
    // 200 a minute reserves 2 hits per round trip (reservationSize); every smaller budget reserves 1.
    expect([3, 5, 30, 199, 200, 600, 1_000_000].map(reservationSize)).toEqual([1, 1, 1, 1, 2, 6, 50]);
    const database = await createTestDatabase();
    const env = { AUTOPACK_RATE_LIMIT_PER_MINUTE: '200' };
    const a = await start(env, database);
    const b = await start(env, database);
    const hit = async (t: TestApp) =>
      (await request(t.http).get('/probe/read').set('X-API-Key', TEST_INSTANCE_KEY)).status;
    // Replica A serves 3 hits and keeps its fourth reserved; B then takes the rest of the budget.
    const statuses = [await hit(a), await hit(a), await hit(a)];
    for (let i = 0; i < 205; i++) statuses.push(await hit(b));
    const admitted = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // Never more than the budget across replicas; the one hit A holds unused is the documented tolerance.
    expect(admitted).toBeLessThanOrEqual(200);
    expect(admitted).toBeGreaterThanOrEqual(200 - 2 * (reservationSize(200) - 1));
    // Once refused, refused on both replicas: the shared counter is over the budget and blocks.
    expect(await hit(b)).toBe(429);
    expect(await hit(a)).toBe(200); // A's last reserved hit is still its own to use...
    expect(await hit(a)).toBe(429); // ...and then the shared block applies.
  });

  it("a replica running a smaller budget (a change being rolled out) is not refused for another's reservations", async () => {
    const database = await createTestDatabase();
    const large = await start({ AUTOPACK_RATE_LIMIT_PER_MINUTE: '5000' }, database);
    const small = await start({ AUTOPACK_RATE_LIMIT_PER_MINUTE: '3' }, database);
    const hit = async (t: TestApp) =>
      (await request(t.http).get('/probe/read').set('X-API-Key', TEST_INSTANCE_KEY)).status;
    // Each of these reserves 50 hits on the large budget's counter...
    for (let i = 0; i < 3; i++) expect(await hit(large)).toBe(200);
    // ...which the small budget does not count: it still serves exactly its 3.
    expect([await hit(small), await hit(small), await hit(small), await hit(small)]).toEqual([
      200, 200, 200, 429,
    ]);
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
