import request from 'supertest';
import { createTestApp, TestApp, TEST_INSTANCE_KEY } from './helpers/app';
import { AppProcess, startAppProcess, stopAppProcess } from './helpers/app-process';
import { createUser } from './helpers/identity';
import { startBody } from './helpers/runs';

/** The same environment in both processes: they must count against the same budgets. */
const ENV = { AUTOPACK_TRUSTED_PROXIES: '127.0.0.1,::1,::ffff:127.0.0.1' };
const instance = { 'X-API-Key': TEST_INSTANCE_KEY };

const numbers = (res: request.Response) => ({
  limit: Number(res.headers['x-ratelimit-limit']),
  remaining: Number(res.headers['x-ratelimit-remaining']),
});

/**
 * The X-RateLimit-* headers (docs/CANONICAL_API_CONTRACT.md, "Rate limits") describe the budget that really
 * applies: a named budget shared by its routes and by every replica, the tightest of several budgets.
 */
describe('rate-limit headers across two app processes on one database', () => {
  let t: TestApp;
  let other: AppProcess;

  beforeAll(async () => {
    t = await createTestApp({ env: ENV });
    other = await startAppProcess('env-app-process.ts', t.config.databaseUrl!, {
      APP_ENV: JSON.stringify(ENV),
    });
  }, 120_000);

  afterAll(async () => {
    if (other) await stopAppProcess(other);
    await t?.close();
  });

  it('a named budget counts across its routes and both processes; the default budget is per route', async () => {
    const run = startBody();
    await request(t.http).post('/runs/start').set(instance).send(run).expect(201);
    const id = run.run.run_id;
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const path = i % 2 === 0 ? `/runs/${id}/artifacts/index` : `/runs/${id}/browser/artifacts`;
      const res = await request(i < 2 ? t.http : other.base)
        .get(path)
        .set(instance)
        .expect(200);
      seen.push(numbers(res));
    }
    expect(seen).toEqual([
      { limit: 60, remaining: 59 },
      { limit: 60, remaining: 58 },
      { limit: 60, remaining: 57 },
      { limit: 60, remaining: 56 },
    ]);
    // A 404 after the limiter counted carries the headers too.
    const missing = await request(other.base).get('/runs/nope/artifacts/index').set(instance).expect(404);
    expect(numbers(missing)).toEqual({ limit: 60, remaining: 55 });
    const a = await request(t.http).get(`/runs/${id}`).set(instance).expect(200);
    const b = await request(other.base).get(`/runs/${id}/progress`).set(instance).expect(200);
    expect(numbers(a)).toEqual({ limit: 600, remaining: 599 });
    expect(numbers(b)).toEqual({ limit: 600, remaining: 599 });
    expect(Number(a.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(a.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(60);
  });

  it('login reports the tighter of its per-IP and per-username budgets, in either process', async () => {
    const user = await createUser(t, { role: 'viewer' });
    const login = (app: string | TestApp['http'], ip: string) =>
      request(app)
        .post('/api/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ username: user.username, password: 'wrong-password-123' });
    expect(numbers(await login(t.http, '203.0.113.1'))).toEqual({ limit: 5, remaining: 4 });
    expect(numbers(await login(other.base, '203.0.113.1'))).toEqual({ limit: 5, remaining: 3 });
    expect(numbers(await login(t.http, '203.0.113.1'))).toEqual({ limit: 5, remaining: 2 });
    // A fresh address has 4 left; the username has 1: the username budget is reported.
    expect(numbers(await login(other.base, '203.0.113.2'))).toEqual({ limit: 5, remaining: 1 });
    expect(numbers(await login(t.http, '203.0.113.3'))).toEqual({ limit: 5, remaining: 0 });
    const refused = await login(other.base, '203.0.113.4');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(numbers(refused).remaining).toBe(0);
  });
});
