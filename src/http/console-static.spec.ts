import express from 'express';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { CONSOLE_CSP, consoleStatic, publicApiPrefix } from './console-static';

/** The console middleware alone, on a directory of our choosing (the app serves dist/console). */
function appOn(dist: string) {
  const app = express();
  app.use(publicApiPrefix);
  app.use(consoleStatic(dist));
  app.use((req, res) => res.status(404).json({ path: req.url }));
  return app;
}

describe('consoleStatic', () => {
  it('answers 503 with what to do, not a 500, when the console is not built', async () => {
    const app = appOn(join(tmpdir(), 'autopack-no-console-here'));
    for (const path of ['/console/', '/console/runs/abc']) {
      const res = await request(app).get(path);
      expect(res.status).toBe(503);
      expect(res.text).toContain('npm run build');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    }
  });

  it('serves only GET/HEAD under /console/ and leaves every other path to the API', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'autopack-console-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dist, '.env'), 'SECRET=1');
    const app = appOn(dist);
    expect((await request(app).get('/console/')).status).toBe(200);
    expect((await request(app).post('/console/')).status).toBe(404);
    expect((await request(app).get('/console/.env')).text).not.toContain('SECRET');
    expect((await request(app).get('/console')).headers.location).toBe('/console/');
    expect((await request(app).get('/runs')).body).toEqual({ path: '/runs' });
  });
});

describe('publicApiPrefix', () => {
  it.each([
    ['/api/runs?limit=1', '/runs?limit=1'],
    ['/api/events/stream', '/events/stream'],
    ['/api/auth/login', '/api/auth/login'],
    ['/api/auth', '/api/auth'],
    ['/apix/runs', '/apix/runs'],
    ['/runs', '/runs'],
  ])('maps %s to %s, as nginx does', async (from, to) => {
    const app = appOn(join(tmpdir(), 'autopack-no-console-here'));
    expect((await request(app).get(from)).body).toEqual({ path: to });
  });
});
