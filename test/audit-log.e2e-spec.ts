import request from 'supertest';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../src/audit/audit-chain.verifier';
import { AuditModule } from '../src/audit/audit.module';
import { encodeAuditCursor } from '../src/audit/audit-cursor';
import { createUser } from './helpers/identity';
import type { TestUser } from './helpers/identity';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { AuditProbeController, PROBE_COUNTERS_DDL } from './helpers/audit-probe.controller';

// Fake secrets, assembled at run time so that no scanner mistakes this file for a leak.
const SECRETS = {
  githubToken: `${'ghp_'}${'Zq8'.repeat(12)}`,
  password: 'correct-horse-battery-staple-42',
  bearer: `${'eyJhbGciOiJSUzI1NiJ9'}.${'eyJzdWIiOiJ1c2VyIn0'}.${'c2lnbmF0dXJl'.repeat(4)}`,
  apiKey: `${'apk_live_'}${'Xk9_'.repeat(10)}`,
  cookie: 'sid=9f8e7d6c5b4a-session-cookie',
  pem: `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'.repeat(3)}\n-----END PRIVATE KEY-----`,
  dbPassword: 'pg-pass-0xDEADBEEF',
};

describe('audit log over HTTP (real app, real PostgreSQL)', () => {
  let t: TestApp;
  let ds: DataSource;
  const increment = (name: string, body: object = {}) =>
    request(t.http)
      .post(`/audit-probe/counters/${name}/increment`)
      .set('X-API-Key', TEST_INSTANCE_KEY)
      .set('X-Request-ID', `req-${name}`)
      .send(body);
  const counter = async (name: string): Promise<number> =>
    (await ds.query('SELECT value FROM probe_counters WHERE name = $1', [name]))[0].value;
  const eventCount = async (): Promise<number> =>
    (await ds.query('SELECT count(*)::int AS n FROM audit_events'))[0].n;
  let admin: TestUser;
  const list = (query: Record<string, string | number> = {}) =>
    request(t.http).get('/audit/events').query(query).set(admin.auth);

  beforeAll(async () => {
    t = await createTestApp({ controllers: [AuditProbeController], imports: [AuditModule] });
    admin = await createUser(t, { role: 'admin' });
    ds = t.app.get(DataSource);
    await ds.query(PROBE_COUNTERS_DDL);
    await ds.query(`INSERT INTO probe_counters (name) VALUES ('alpha'), ('beta'), ('gamma'), ('secrets')`);
  });
  afterAll(() => t.close());

  it('leaves no schema change pending: migrations equal the entities', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('records the change and its event together, naming actor, subject and request', async () => {
    const res = await increment('alpha', { run_id: 'run-2026-01-01-abc' });
    expect(res.status).toBe(201);
    expect(await counter('alpha')).toBe(1);
    const [event] = (await list({ subject_type: 'system', subject_id: 'alpha' })).body.events;
    expect(event).toMatchObject({
      position: res.body.position,
      event_type: 'probe.incremented',
      actor: { kind: 'api_key', id: 'apikey:instance', name: 'instance key' },
      subject: { type: 'system', id: 'alpha' },
      run_id: 'run-2026-01-01-abc',
      phase_id: null,
      request_id: 'req-alpha',
      details: { value: 1 },
    });
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('fail closed', () => {
    afterEach(() => ds.query('DROP TRIGGER IF EXISTS refuse_audit_insert ON audit_events'));

    it('fails the request and rolls its change back when the audit insert fails', async () => {
      await ds.query(`
        CREATE OR REPLACE FUNCTION test_refuse_audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit storage unavailable (test)'; END $$`);
      await ds.query(
        'CREATE TRIGGER refuse_audit_insert BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_refuse_audit_insert()',
      );
      const valueBefore = await counter('beta');
      const eventsBefore = await eventCount();

      const res = await increment('beta');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Internal server error',
        request_id: 'req-beta',
      });
      expect(await counter('beta')).toBe(valueBefore);
      expect(await eventCount()).toBe(eventsBefore);

      // The same request succeeds once the audit log accepts writes again: the failure was the audit's.
      await ds.query('DROP TRIGGER refuse_audit_insert ON audit_events');
      expect((await increment('beta')).status).toBe(201);
      expect(await counter('beta')).toBe(valueBefore + 1);
      expect(await eventCount()).toBe(eventsBefore + 1);
    });
  });

  it('keeps secrets out of the table: none of them is found in any stored row', async () => {
    const res = await increment('secrets', {
      details: {
        note: `pushed with ${SECRETS.githubToken} by bob`,
        password: SECRETS.password,
        headers: {
          Authorization: `Bearer ${SECRETS.bearer}`,
          Cookie: SECRETS.cookie,
          'X-API-Key': SECRETS.apiKey,
        },
        log: `curl -H "Authorization: Bearer ${SECRETS.bearer}" -H "Cookie: ${SECRETS.cookie}"`,
        config: { database_url: `postgres://autopack:${SECRETS.dbPassword}@db:5432/app`, key: SECRETS.pem },
        list: [SECRETS.apiKey, { client_secret: SECRETS.password }],
        run_ref: 'run-2026-01-01-abc',
      },
    });
    expect(res.status).toBe(201);
    const rows: Array<{ raw: string }> = await ds.query('SELECT t::text AS raw FROM audit_events t');
    const everything = rows.map((r) => r.raw).join('\n');
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect({ name, found: everything.includes(secret) }).toEqual({ name, found: false });
    }
    // Nor any telling fragment of them.
    for (const fragment of [
      'Zq8Zq8Zq8',
      'horse-battery',
      'c2lnbmF0dXJl',
      'Xk9_Xk9_',
      'session-cookie',
      'MIIEvQIB',
      '0xDEADBEEF',
    ]) {
      expect(everything).not.toContain(fragment);
    }
    const [event] = (await list({ subject_type: 'system', subject_id: 'secrets' })).body.events;
    expect(event.details.run_ref).toBe('run-2026-01-01-abc');
    expect(event.details.password).toBe('[REDACTED:secret_field]');
    expect(event.details.note).toBe('pushed with [REDACTED:github_token] by bob');
    expect(await verifyAuditChain(ds)).toMatchObject({ intact: true });
  });

  describe('GET /audit/events', () => {
    beforeAll(async () => {
      for (let i = 0; i < 7; i++) {
        expect((await increment('gamma', { run_id: i % 2 ? 'run-odd' : 'run-even' })).status).toBe(201);
      }
    });

    it('needs credentials', async () => {
      expect((await request(t.http).get('/audit/events')).status).toBe(401);
    });

    it('is for human admins only: operators and machine keys, even the instance key, are refused', async () => {
      const operator = await createUser(t, { role: 'operator' });
      expect((await request(t.http).get('/audit/events').set(operator.auth)).status).toBe(403);
      const byKey = await request(t.http).get('/audit/events').set('X-API-Key', TEST_INSTANCE_KEY);
      expect([401, 403]).toContain(byKey.status);
    });

    it('lists newest first and pages with an opaque cursor to the end', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await list({
          subject_type: 'system',
          subject_id: 'gamma',
          limit: 3,
          ...(cursor ? { cursor } : {}),
        });
        expect(res.status).toBe(200);
        seen.push(...res.body.events.map((e: { position: number }) => e.position));
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(7);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    });

    it('filters by event type, actor, run and time range', async () => {
      const all = (await list({ limit: 200 })).body.events as Array<{
        position: number;
        occurred_at: string;
        actor: { id: string };
      }>;
      expect((await list({ run_id: 'run-odd' })).body.events).toHaveLength(3);
      expect((await list({ run_id: 'run-even', event_type: 'probe.incremented' })).body.events).toHaveLength(
        4,
      );
      expect((await list({ event_type: 'probe.other' })).body.events).toHaveLength(0);
      const byInstanceKey = all.filter((e) => e.actor.id === 'apikey:instance').length;
      expect(byInstanceKey).toBeGreaterThan(0);
      expect(byInstanceKey).toBeLessThan(all.length); // the test's users were created by the system
      expect((await list({ actor_id: 'apikey:instance', limit: 200 })).body.events).toHaveLength(
        byInstanceKey,
      );
      expect((await list({ actor_id: 'user:nobody' })).body.events).toHaveLength(0);

      const newest = all[0];
      const sinceNewest = (await list({ since: newest.occurred_at, limit: 200 })).body.events;
      expect(sinceNewest.map((e: { position: number }) => e.position)).toContain(newest.position);
      expect(sinceNewest.every((e: { occurred_at: string }) => e.occurred_at >= newest.occurred_at)).toBe(
        true,
      );
      const beforeNewest = (await list({ until: newest.occurred_at, limit: 200 })).body.events;
      expect(beforeNewest.every((e: { occurred_at: string }) => e.occurred_at < newest.occurred_at)).toBe(
        true,
      );
      expect((await list({ until: '2000-01-01T00:00:00Z' })).body.events).toHaveLength(0);
    });

    it.each([
      [{ limit: 201 }, /limit/],
      [{ limit: 0 }, /limit/],
      [{ cursor: 'not-a-cursor' }, /cursor/],
      [{ cursor: encodeAuditCursor(1).slice(0, -2) + '!!' }, /cursor/],
      [{ subject_id: 'alpha' }, /subject_id needs subject_type/],
      [{ subject_type: 'spaceship' }, /subject_type/],
      [{ event_type: 'DROP TABLE' }, /event_type/],
      [{ since: 'yesterday' }, /since/],
      [{ since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }, /since must be before until/],
      [{ unknown: 'x' }, /unknown/],
    ])('refuses bad input %j with a clear 400', async (query, message) => {
      const res = await list(query as Record<string, string | number>);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
    });
  });
});
