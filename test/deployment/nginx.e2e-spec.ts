import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { cutOffDatabase, restoreDatabase, createTestDatabase } from '../helpers/database';
import { readFileSync } from 'node:fs';
import { findNginx, NGINX_CONF, RunningNginx, startNginx } from '../helpers/nginx';
import { isLinux } from '../helpers/platform';
import { ensureConsoleBuilt } from '../helpers/console-build';
import { ProbeController } from '../helpers/probe.controller';
import request from 'supertest';
import { mintApiKey } from '../helpers/identity';
import { startBody, uniqueRunId } from '../helpers/runs';
import { openSse } from '../helpers/sse';

// Linux only (test/helpers/platform.ts): the canonical proxy is Debian's nginx, which CI installs there.
const nginx = isLinux ? findNginx() : null;
if (!isLinux) {
  console.log('SKIPPED the nginx topology test: it runs on Linux (the Windows CI job has no Debian nginx)');
} else if (!nginx) {
  if (process.env.CI) throw new Error('nginx is required in CI: .ci/run installs Debian nginx-light');
  console.log(
    'SKIPPED the nginx topology test: no nginx found; install it with "apt-get install nginx-light"',
  );
}
const suite = nginx ? describe : describe.skip;
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
// Every response body here is read to its end: an unread one keeps its socket open after the suite, and
// jest then has to force its worker to exit.

/** The canonical nginx.conf, run by a real nginx in front of two real app replicas on one database. */
suite('nginx topology (nginx/nginx.conf)', () => {
  let replicas: TestApp[];
  let proxy: RunningNginx;
  const url = (path: string) => `http://127.0.0.1:${proxy.port}${path}`;

  beforeAll(async () => {
    ensureConsoleBuilt();
    const database = await createTestDatabase();
    const env = {
      AUTOPACK_TRUSTED_PROXIES: '127.0.0.1',
      AUTOPACK_RATE_LIMIT_PER_MINUTE: '4',
      AUTOPACK_EVENTS_HEARTBEAT_SECONDS: '1',
    };
    replicas = [
      await createTestApp({ database, env, controllers: [ProbeController] }),
      await createTestApp({ database, env, controllers: [ProbeController] }),
    ];
    const ports = await Promise.all(replicas.map((replica) => replica.listen()));
    proxy = await startNginx(nginx!, ports);
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all((replicas ?? []).map((replica) => replica.close()));
  });

  it('strips /api from everything but /api/auth', async () => {
    const stripped = await fetch(url('/api/no-such-route'));
    expect(stripped.status).toBe(404);
    expect((await json(stripped)).message).toBe('Cannot GET /no-such-route');
    const probe = await fetch(url('/api/probe/public'));
    expect(await json(probe)).toEqual({ reached: true });
  });

  it('routes /api/runs to the backend /runs and /api/auth/login to /api/auth/login', async () => {
    const runs = await fetch(url('/api/runs'), { headers: { 'X-API-Key': TEST_INSTANCE_KEY } });
    expect(runs.status).toBe(200);
    expect(await json(runs)).toMatchObject({ runs: [], total: 0 });
    const login = await fetch(url('/api/auth/login'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'nobody', password: 'wrong-password-123' }),
    });
    expect(login.status).toBe(401);
    expect((await json(login)).statusCode).toBe(401);
  });

  it('streams events through nginx without buffering: an event committed on the other replica arrives while the stream stays open', async () => {
    const key = await mintApiKey(replicas[0], ['runs:write', 'events:read']);
    const stream = await openSse(
      `http://127.0.0.1:${proxy.port}`,
      '/api/events/stream?types=run.started',
      key.headers,
    );
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    // The first comment gets through at once: nginx does not hold the response back.
    await stream.waitForComment('connected', 2_000);
    for (const replica of replicas) {
      const body = startBody({ runId: uniqueRunId('ngx') });
      await request(replica.http).post('/runs/start').set(key.headers).send(body).expect(201);
      await stream.waitFor(
        (m) => m.some((e) => e.data.run_id === body.run.run_id),
        2_000,
        'the run through nginx',
      );
    }
    // Heartbeats keep arriving on the same connection: it is still open.
    const beats = stream.comments.filter((c) => c === 'heartbeat').length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(stream.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThan(beats);
    stream.close();
    // The app's X-Accel-Buffering: no would also unbuffer it; the location says so itself, and only it
    // outlives the 60 s read timeout of every other route.
    const conf = readFileSync(NGINX_CONF, 'utf8');
    const location = /location = \/api\/events\/stream \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(location).toMatch(/proxy_buffering off;/);
    expect(location).toMatch(/proxy_read_timeout 1h;/);
    expect(conf.match(/proxy_read_timeout/g)).toHaveLength(2);
  });

  it('keeps the /api/auth prefix', async () => {
    const res = await fetch(url('/api/auth/no-such-route'));
    expect((await json(res)).message).toBe('Cannot GET /api/auth/no-such-route');
  });

  it('proxies /health to the backend readiness check, 503 included', async () => {
    const healthy = await fetch(url('/health'));
    expect(healthy.status).toBe(200);
    expect((await json(healthy)).status).toBe('healthy');
    await cutOffDatabase(replicas[0].databaseName);
    try {
      const down = await fetch(url('/health'));
      expect(down.status).toBe(503);
      expect((await json(down)).status).toBe('unhealthy');
    } finally {
      await restoreDatabase(replicas[0].databaseName);
    }
  });

  it('refuses encoded traversal and exposes nothing outside its routes', async () => {
    for (const path of [
      '/api/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/api/..%2f..%2fetc%2fpasswd',
      '/docs',
    ]) {
      const res = await fetch(url(path));
      expect([400, 404]).toContain(res.status);
      expect(await res.text()).not.toContain('root:');
    }
  });

  it('sets X-Forwarded-For itself, so rotating a spoofed one does not escape the per-IP limit', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(url('/api/probe/public'), {
        headers: { 'X-Forwarded-For': `198.51.100.${i}` },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    // Budget 4 per minute per client IP, shared by both replicas through PostgreSQL (the earlier test
    // already spent one): round-robin across the replicas does not double it.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
  });

  it('propagates a request id, or creates one, and sets security headers', async () => {
    const mine = await fetch(url('/health'), { headers: { 'X-Request-ID': 'from-client-1' } });
    expect(mine.headers.get('x-request-id')).toBe('from-client-1');
    const made = await fetch(url('/health'));
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    for (const res of [mine, made, await fetch(url('/nginx-health'))]) {
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('server')).toBe('nginx');
    }
    const own = await json(await fetch(url('/nowhere'), { headers: { 'X-Request-ID': 'own-2' } }));
    expect(own.request_id).toBe('own-2');
  });

  it('serves the operator console under /console/ with its CSP, deep links included, and / goes there', async () => {
    const root = await fetch(url('/'), { redirect: 'manual' });
    await root.arrayBuffer();
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    for (const path of ['/console/', '/console/actions/0b6f7c36-6e2a-4a4e-9a55-1c1d5d2b1f00']) {
      const page = await fetch(url(path));
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const html = await page.text();
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(url(script!));
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
      expect(asset.headers.get('cache-control')).toContain('immutable');
    }
    // The console calls the public API paths, which nginx routes as before.
    const inbox = await fetch(url('/api/inbox'));
    expect(inbox.status).toBe(401);
    await inbox.arrayBuffer();
  });

  it('answers /nginx-health itself while every backend is stopped', async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    replicas = [];
    const res = await fetch(url('/nginx-health'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
    const api = await fetch(url('/health'));
    expect(api.status).toBe(503);
    await api.arrayBuffer();
  });
});
