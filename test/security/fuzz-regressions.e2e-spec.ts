import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, TEST_INSTANCE_KEY } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { createUser } from '../helpers/identity';
import type { TestUser } from '../helpers/identity';
import { asAdmin, phasePath, startBody } from '../helpers/runs';

/** Defects the contract fuzzer (contract-fuzz.e2e-spec.ts) found, pinned one by one. */
describe('fuzz regressions', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, { role: 'admin' });
  });
  afterAll(() => t.close());

  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('a 5000-level nested JSON body is a 422 with the envelope, not a 500, and writes nothing', async () => {
    const ds = t.app.get(DataSource);
    const before = (await ds.query('SELECT count(*)::int AS n FROM llm_usage_events'))[0].n;
    const res = await request(t.http)
      .post('/dashboard/usage/events')
      .set('X-API-Key', TEST_INSTANCE_KEY)
      .set('Content-Type', 'application/json')
      .send(
        `{"run_id":"r","provider":"p","model":"m","prompt_tokens":1,"completion_tokens":1,"x":${deep(5000)}}`,
      );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      statusCode: 422,
      message: 'Request body failed validation (nested more than 64 levels deep)',
    });
    expect((await ds.query('SELECT count(*)::int AS n FROM llm_usage_events'))[0].n).toBe(before);
  });

  it('a body nested 64 levels deep still reaches validation', async () => {
    const res = await request(t.http)
      .patch(`/api/auth/users/${admin.id}`)
      .set(admin.auth)
      .set('Content-Type', 'application/json')
      .send(deep(63));
    expect(res.status).toBe(422);
    expect(res.body.message).not.toContain('nested');
  });

  it.each(['', '0x10', '1e1', ' 5', '1.0'])(
    'an integer query parameter %j is a 400, not read as a number',
    async (v) => {
      const res = await request(t.http)
        .get(`/api/auth/users?offset=${encodeURIComponent(v)}`)
        .set(admin.auth);
      expect(res.status).toBe(400);
      expect(res.body.detail[0].loc).toEqual(['query', 'offset']);
    },
  );

  it('a decimal integer query parameter still works', async () => {
    const res = await request(t.http).get('/api/auth/users?offset=0&limit=5').set(admin.auth);
    expect(res.status).toBe(200);
    expect(res.body.limit).toBe(5);
  });

  it.each([
    ['/dashboard/human-notes', { note: 'nul\u0000byte' }, 'note'],
    ['/governance/requests', { run_id: 'r\u0000', phase_id: 'P1', paths: ['a'], reason: 'x' }, 'run_id'],
  ])('a NUL character in a body string of %s is a 422, not a database error', async (path, body, field) => {
    const res = await request(t.http)
      .post(path)
      .set(path.startsWith('/dashboard') ? admin.auth : { 'X-API-Key': TEST_INSTANCE_KEY })
      .send(body);
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      `Request body failed validation (${field}: must not contain NUL characters)`,
    );
    expect(res.body.detail).toEqual([
      { loc: ['body', field], msg: 'must not contain NUL characters', type: 'nul_character' },
    ]);
  });

  it.each([
    ['a top-level __proto__', '{"__proto__":{"x":1},"run":{"run_id":"proto-1"}}'],
    ['a top-level constructor', '{"constructor":{"x":1},"run":{"run_id":"proto-2"}}'],
    ['a nested __proto__', '{"run":{"run_id":"proto-3","__proto__":{"admin":true}}}'],
    ['a nested prototype', '{"run":{"run_id":"proto-4"},"phases":[{"prototype":1}]}'],
  ])('%s in a body is a 422 (unknown field) and starts no run', async (_, body) => {
    const res = await request(t.http)
      .post('/runs/start')
      .set('X-API-Key', TEST_INSTANCE_KEY)
      .set('Content-Type', 'application/json')
      .send(body);
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'extra_forbidden', msg: 'reserved key is not allowed' });
    const runId = (JSON.parse(body) as { run: { run_id: string } }).run.run_id;
    expect((await request(t.http).get(`/runs/${runId}`).set('X-API-Key', TEST_INSTANCE_KEY)).status).toBe(
      404,
    );
  });

  it.each(['/audit/events?actor_id=%00', '/audit/events?run_id=a%00b', '/runs?state=DONE%00'])(
    'an encoded NUL in a query parameter (%s) is a 400, not a database error',
    async (path) => {
      const res = await request(t.http).get(path).set(admin.auth);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('NUL characters are not allowed in the URL');
    },
  );

  it.each(['/api/auth/users', '/api/auth/api-keys', '/api/auth/oauth/events'])(
    'an offset past the largest database integer on %s is a 400, not a database error',
    async (path) => {
      // Since keyset pages (issue #19) the deepest offset is 10,000; beyond it, `cursor`.
      for (const offset of ['10001', '2147483647', '2147483648', '100000000000000000000']) {
        const res = await request(t.http).get(`${path}?offset=${offset}`).set(admin.auth);
        expect(res.status).toBe(400);
        expect(res.body.detail[0].loc).toEqual(['query', 'offset']);
      }
      expect((await request(t.http).get(`${path}?offset=10000`).set(admin.auth)).status).toBe(200);
    },
  );

  it('ignores a body sent with GET or DELETE: no undocumented 400/413/422 from parsing it', async () => {
    for (const body of ['{"__proto__":1}', '{not json', `{"a":"${'x'.repeat(3 * 1024 * 1024)}"}`]) {
      const res = await request(t.http)
        .get('/api/auth/me')
        .set(admin.auth)
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(200);
    }
  });

  it('an encoded NUL in a path parameter is a 400, not a database error', async () => {
    const res = await request(t.http)
      .get('/dashboard/runs/%00/consolidated-metrics')
      .set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('NUL characters are not allowed in the URL');
  });

  it('issue counts near the int4 maximum saturate instead of overflowing the run totals (was a 500)', async () => {
    const body = startBody({ tiers: 1, phasesPerTier: 2 });
    expect((await asAdmin(t).post('/runs/start', body)).status).toBe(201);
    const runId = body.run.run_id;
    for (const phase of ['P1', 'P2']) {
      const res = await asAdmin(t).post(phasePath(runId, phase, 'update_status'), {
        state: 'EXECUTING',
        major_issues_count: 2_147_483_000,
      });
      expect(res.status).toBe(200);
    }
    const run = await asAdmin(t).get(`/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body.major_issues_count).toBe(2_147_483_647);
  });
});
