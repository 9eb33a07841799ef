import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp } from '../helpers/app';

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

type AuthRule = { mode: string; role?: string; scope?: string };

/** The committed contract: `METHOD /path` → its declared access rule. */
function documented(): Map<string, AuthRule> {
  const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { 'x-autopack-auth': AuthRule }>>;
  };
  return new Map(
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(
        ([method, op]) => [`${method.toUpperCase()} ${path}`, op['x-autopack-auth']] as const,
      ),
    ),
  );
}

/** Nest's catch-all that answers every unknown path with the JSON 404 (test/security/api8). */
const NOT_FOUND_HANDLER = '/{*path}';

/** What the running server answers: the routes in Express's router, as `METHOD /path/{param}`. */
function served(t: TestApp): string[] {
  const express = t.app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  return express.router.stack.flatMap((layer) =>
    layer.route && layer.route.path !== NOT_FOUND_HANDLER
      ? Object.keys(layer.route.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
      : [],
  );
}

const concrete = (path: string) =>
  path.replace('{provider}', 'etsy').replace(/\{[a-z_]+\}/g, '00000000-0000-4000-8000-000000000000');

/**
 * OWASP API9:2023 Improper Inventory Management. test/route-inventory.e2e-spec.ts compares Nest's
 * controller metadata with a freshly built document; this compares what the running production server
 * actually routes (Express's router) with the committed docs/openapi.json, both ways, and checks each
 * route's behaviour without credentials against its documented auth mode.
 */
describe('OWASP API9 inventory: the running server serves exactly the documented routes', () => {
  let t: TestApp;
  let routes: string[];
  const contract = documented();

  beforeAll(async () => {
    t = await createTestApp({
      env: { AUTOPACK_ENV: 'production', AUTOPACK_RATE_LIMIT_PER_MINUTE: '100000' },
    });
    routes = served(t);
  });
  afterAll(() => t.close());

  it('finds the served routes (the walk works)', () => {
    expect(routes).toContain('GET /health');
    expect(routes.length).toBeGreaterThan(50);
  });

  it('every route the server answers is in docs/openapi.json (no shadow or leftover endpoint)', () => {
    expect(routes.filter((r) => !contract.has(r))).toEqual([]);
  });

  it('every operation in docs/openapi.json is served (no documented ghost endpoint)', () => {
    const live = new Set(routes);
    expect([...contract.keys()].filter((op) => !live.has(op))).toEqual([]);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('without credentials, public routes answer and every other route is 401, as documented', async () => {
    for (const [op, rule] of contract) {
      const [method, path] = op.split(' ');
      const res = await request(t.http)
        [method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](concrete(path))
        .send({});
      // A public route may still refuse the request itself (422 for an empty login, 403 for registration
      // closed in production), but never for want of credentials.
      if (rule.mode === 'public') expect([op, res.status === 401]).toEqual([op, false]);
      else expect([op, res.status]).toEqual([op, 401]);
    }
  });
});
