import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { LIVE_ENV, proposalBody } from '../helpers/actions';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { fileUrl, runDir, startRun, writeFiles } from '../helpers/artifacts';
import { createUser, TestUser } from '../helpers/identity';
import { builderResult, phasePath, startBody } from '../helpers/runs';

const BODY_LIMIT = 16 * 1024;
const READ_CAP = 1024;
const INDEX_MAX = 5;

/**
 * OWASP API4:2023 Unrestricted Resource Consumption: every body, page, artifact read and request rate
 * has a documented bound, and going past it is a clear 4xx that writes nothing (docs/CANONICAL_API_CONTRACT.md).
 */
describe('OWASP API4 resource consumption: bodies, pages, artifact reads and request rates are bounded', () => {
  let t: TestApp;
  let admin: TestUser;
  const instance = { 'X-API-Key': TEST_INSTANCE_KEY };

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        ...LIVE_ENV,
        AUTOPACK_BODY_LIMIT_BYTES: String(BODY_LIMIT),
        AUTOPACK_MAX_PATCH_BYTES: '2048',
        AUTOPACK_ARTIFACT_READ_SIZE_CAP: String(READ_CAP),
        AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES: String(INDEX_MAX),
        AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '1000',
        AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
    admin = await createUser(t, { role: 'admin' });
  });
  afterAll(() => t.close());

  describe('request bodies', () => {
    it('answers a body over AUTOPACK_BODY_LIMIT_BYTES with 413 on write routes, and writes nothing', async () => {
      const padding = 'x'.repeat(BODY_LIMIT);
      const body = startBody({ run: {} });
      body.phases[0].description = padding;
      const start = await request(t.http).post('/runs/start').set(instance).send(body);
      expect(start.status).toBe(413);
      expect(start.body).toMatchObject({ statusCode: 413, message: 'Request body is too large' });
      expect((await request(t.http).get(`/runs/${body.run.run_id}`).set(instance)).status).toBe(404);

      const propose = await request(t.http)
        .post('/external-actions')
        .set(instance)
        .set('Idempotency-Key', randomUUID())
        .send(proposalBody({ payload: { blob: padding } }));
      expect(propose.status).toBe(413);
      expect((await request(t.http).get('/external-actions').set(admin.auth)).body.total).toBe(0);

      const login = await request(t.http).post('/api/auth/login').send({ username: 'x', password: padding });
      expect(login.status).toBe(413);
    });

    it('a body just under the limit is accepted (the limit is the documented one, not lower)', async () => {
      const body = startBody();
      body.phases[0].description = 'x'.repeat(BODY_LIMIT - JSON.stringify(body).length - 100);
      expect((await request(t.http).post('/runs/start').set(instance).send(body)).status).toBe(201);
    });

    it('answers a patch over AUTOPACK_MAX_PATCH_BYTES with 413 and records no result', async () => {
      const runId = await startRun(t);
      const res = await request(t.http)
        .post(phasePath(runId, 'P1', 'builder_result'))
        .set(instance)
        .send(builderResult(runId, 'P1', { patch_content: 'y'.repeat(4096) }));
      expect(res.status).toBe(413);
      const run = await request(t.http).get(`/runs/${runId}`).set(instance);
      expect(run.body.tokens_used).toBe(0);
    });

    it('caps list fields inside a body (501 governance paths → 422)', async () => {
      const runId = await startRun(t);
      const res = await request(t.http)
        .post('/governance/requests')
        .set(instance)
        .send({
          run_id: runId,
          phase_id: 'P1',
          reason: 'r',
          paths: Array.from({ length: 501 }, (_, i) => `d/${i}`),
        });
      expect(res.status).toBe(422);
      expect((await request(t.http).get('/governance/pending').set(admin.auth)).body.total).toBe(0);
    });
  });

  describe('pages', () => {
    it.each([
      '/runs',
      '/external-actions',
      '/api/auth/users',
      '/api/auth/api-keys',
      '/api/auth/oauth/events',
      '/audit/events',
    ])('%s refuses limit above its documented maximum with 400 naming query.limit', async (path) => {
      const auth =
        path.startsWith('/api/auth/users') ||
        path.startsWith('/api/auth/api-keys') ||
        path === '/audit/events'
          ? admin.auth
          : instance;
      const over = await request(t.http).get(`${path}?limit=100000`).set(auth);
      expect(over.status).toBe(400);
      expect(over.body.detail.map((d: { loc: string[] }) => d.loc.join('.'))).toContain('query.limit');
      for (const bad of ['0', '-1', '1e9', 'x']) {
        const res = await request(t.http).get(`${path}?limit=${bad}`).set(auth);
        expect([bad, res.status]).toEqual([bad, 400]);
      }
      expect((await request(t.http).get(`${path}?limit=100`).set(auth)).status).toBe(200);
    });

    it('GET /runs pages at 20 by default and at most 100', async () => {
      const page = await request(t.http).get('/runs').set(instance);
      expect(page.body.limit).toBe(20);
      expect((await request(t.http).get('/runs?limit=101').set(instance)).status).toBe(400);
      expect((await request(t.http).get('/runs?offset=99999999999').set(instance)).status).toBe(400);
    });
  });

  describe('artifact reads', () => {
    let runId: string;
    beforeAll(async () => {
      runId = await startRun(t);
      const files: Record<string, string> = { 'big.log': 'z'.repeat(10 * READ_CAP) };
      for (let i = 0; i < INDEX_MAX * 4; i++) files[`many/f${String(i).padStart(2, '0')}.txt`] = 'x';
      writeFiles(runDir(t, runId), files);
    });

    it('returns at most AUTOPACK_ARTIFACT_READ_SIZE_CAP bytes and says it truncated', async () => {
      const res = await request(t.http).get(fileUrl(runId, 'big.log')).set(instance);
      expect(res.status).toBe(200);
      expect(Buffer.byteLength(res.text)).toBe(READ_CAP);
      expect(res.headers['x-artifact-truncated']).toBe('true');
      expect(res.headers['x-artifact-original-size']).toBe(String(10 * READ_CAP));
    });

    it('lists at most AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES entries and says it truncated', async () => {
      const res = await request(t.http).get(`/runs/${runId}/artifacts/index`).set(instance);
      expect(res.status).toBe(200);
      expect(res.body.artifacts).toHaveLength(INDEX_MAX);
      expect(res.body.truncated).toBe(true);
    });
  });

  describe('request rates', () => {
    it('answers a principal over its run-start budget with 429 and Retry-After, and starts nothing', async () => {
      const fresh = await createTestApp({ env: { AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '2' } });
      try {
        const bodies = [startBody(), startBody(), startBody()];
        const statuses = [];
        let last: request.Response | undefined;
        for (const body of bodies) {
          last = await request(fresh.http).post('/runs/start').set(instance).send(body);
          statuses.push(last.status);
        }
        expect(statuses).toEqual([201, 201, 429]);
        expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(last!.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
        expect((await request(fresh.http).get(`/runs/${bodies[2].run.run_id}`).set(instance)).status).toBe(
          404,
        );
      } finally {
        await fresh.close();
      }
    });
  });
});
