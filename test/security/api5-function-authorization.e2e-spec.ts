import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { createUser, TestUser } from '../helpers/identity';

interface Operation {
  method: string;
  path: string;
  auth: { mode: string; role?: string; scope?: string };
}

/** Every operation of the committed contract, with its declared access rule. */
function documentedOperations(): Operation[] {
  const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { 'x-autopack-auth': Operation['auth'] }>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method, path, auth: op['x-autopack-auth'] })),
  );
}

/** A concrete URL for a templated path: well-formed ids that name nothing, a configured provider. */
const concrete = (path: string) =>
  path
    .replace('{provider}', 'etsy')
    .replace(/\{[a-z_]*id\}/g, '00000000-0000-4000-8000-000000000000')
    .replace(/\{[a-z_]+\}/g, 'x');

const label = (op: Operation) => `${op.method.toUpperCase()} ${op.path}`;

/**
 * OWASP API5:2023 Broken Function Level Authorization, driven by docs/openapi.json: every route the
 * contract says needs an admin refuses an operator and a viewer with 403, every route that needs an
 * operator refuses a viewer, and machine keys (even the instance key) never pass a user route. The
 * stronger role reaches each route (so a 403 is the role check, not a broken probe).
 */
describe('OWASP API5 function-level authorization: every role-restricted route in the contract refuses weaker roles', () => {
  let t: TestApp;
  let viewer: TestUser;
  let operator: TestUser;
  let admin: TestUser;
  const operations = documentedOperations();
  const adminOnly = operations.filter((op) => op.auth.mode === 'user' && op.auth.role === 'admin');
  const operatorOnly = operations.filter((op) => op.auth.mode === 'user' && op.auth.role === 'operator');
  const userRoutes = operations.filter((op) => op.auth.mode === 'user');

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTOPACK_RATE_LIMIT_PER_MINUTE: '100000' } });
    viewer = await createUser(t, { role: 'viewer' });
    operator = await createUser(t, { role: 'operator' });
    admin = await createUser(t, { role: 'admin' });
  });
  afterAll(() => t.close());

  const call = (op: Operation, headers: Record<string, string>) =>
    request(t.http)
      [op.method as 'get' | 'post' | 'put' | 'patch' | 'delete'](concrete(op.path))
      .set(headers)
      .send({});

  it('the contract declares the admin and operator routes this suite walks', () => {
    expect(adminOnly.map(label)).toEqual(
      expect.arrayContaining([
        'GET /api/auth/api-keys',
        'POST /api/auth/api-keys',
        'DELETE /api/auth/api-keys/{id}',
        'GET /api/auth/users',
        'POST /api/auth/users',
        'PATCH /api/auth/users/{id}',
        'POST /api/auth/users/{id}/password',
        'PUT /api/auth/oauth/credentials/{provider}',
        'POST /api/auth/oauth/refresh/{provider}',
        'GET /audit/events',
      ]),
    );
    expect(operatorOnly.map(label)).toEqual(
      expect.arrayContaining([
        'POST /external-actions/{id}/approve',
        'POST /governance/approve/{request_id}',
      ]),
    );
    // Every user route names its role, except a signed-in user's own things (any role): who they are, their
    // password and their sessions (issue 16), and their inbox (issue 17: any role reads it; each item says
    // whether this person may decide it, and the decision routes themselves need "operator").
    expect(userRoutes.filter((op) => !op.auth.role).map(label)).toEqual([
      'GET /api/auth/me',
      'POST /api/auth/me/password',
      'GET /api/auth/sessions',
      'DELETE /api/auth/sessions/{id}',
      'GET /inbox',
      'GET /inbox/{kind}/{id}',
    ]);
  });

  it('every admin route refuses an operator and a viewer with 403', async () => {
    for (const op of adminOnly) {
      for (const who of [operator, viewer]) {
        const res = await call(op, who.auth);
        expect([label(op), who.role, res.status]).toEqual([label(op), who.role, 403]);
        expect(res.body.message).toMatch(/"admin" role/);
      }
    }
  });

  it('every operator route refuses a viewer with 403', async () => {
    for (const op of operatorOnly) {
      const res = await call(op, viewer.auth);
      expect([label(op), res.status]).toEqual([label(op), 403]);
      expect(res.body.message).toMatch(/"operator" role/);
    }
  });

  it('every user route refuses machine keys, even the instance admin key, with 403', async () => {
    for (const op of userRoutes) {
      const res = await call(op, { 'X-API-Key': TEST_INSTANCE_KEY });
      expect([label(op), res.status]).toEqual([label(op), 403]);
    }
  });

  it('the required role gets past the role check on each of these routes (not 401/403)', async () => {
    for (const [ops, who] of [
      [adminOnly, admin],
      [operatorOnly, operator],
    ] as const) {
      for (const op of ops) {
        const res = await call(op, who.auth);
        expect([label(op), [401, 403].includes(res.status)]).toEqual([label(op), false]);
      }
    }
  });
});
