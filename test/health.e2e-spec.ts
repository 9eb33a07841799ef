import request from 'supertest';
import { DataSource } from 'typeorm';
import { databaseIdentity } from '../src/health/health.service';
import { createTestApp, TestApp } from './helpers/app';
import { cutOffDatabase, restoreDatabase } from './helpers/database';

describe('GET /health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is public and reports a healthy database, its identity, the version and the kill switches', async () => {
    const res = await request(t.http).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'healthy',
      problems: [],
      migrations: 'applied',
      database: { status: 'ok', latency_ms: expect.any(Number) },
      database_identity: databaseIdentity(t.config.databaseUrl),
      version: t.config.version,
      kill_switches: {
        AUTOPACK_EXTERNAL_ACTIONS_ENABLED: false,
        AUTOPACK_ENABLE_ETSY_PUBLISH: false,
        AUTOPACK_ENABLE_SHOPIFY_PUBLISH: false,
        AUTOPACK_ENABLE_YOUTUBE_PUBLISH: false,
        AUTOPACK_ENABLE_TRADING_ORDERS: false,
        AUTOPACK_SIDE_EFFECTS_DRY_RUN: true,
        AUTOPACK_ENABLE_CONSOLIDATED_METRICS: false,
      },
    });
    expect(res.body.database_identity).toMatch(/^[0-9a-f]{16}$/);
  });

  it('never reveals database credentials', async () => {
    const res = await request(t.http).get('/health');
    const password = new URL(t.config.databaseUrl!).password;
    expect(password.length).toBeGreaterThan(0);
    expect(res.text).not.toContain(password);
    expect(res.text).not.toContain(decodeURIComponent(password));
  });

  it('answers 503 unhealthy when the database is unreachable, and recovers', async () => {
    await cutOffDatabase(t.databaseName);
    try {
      const res = await request(t.http).get('/health');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('unhealthy');
      expect(res.body.database.status).toBe('unreachable');
      expect(res.body.problems).toEqual(['the database is unreachable']);
      // Liveness does not depend on the database: restarting the process would not help.
      expect((await request(t.http).get('/health/live')).body).toEqual({ status: 'alive' });
    } finally {
      await restoreDatabase(t.databaseName);
    }
    expect((await request(t.http).get('/health')).status).toBe(200);
  });

  it('answers 503 unhealthy while a migration is pending', async () => {
    const dataSource = t.app.get(DataSource);
    const [last] = await dataSource.query('SELECT id, name FROM schema_migrations ORDER BY id DESC LIMIT 1');
    await dataSource.query('DELETE FROM schema_migrations WHERE id = $1', [last.id]);
    try {
      const res = await request(t.http).get('/health');
      expect(res.status).toBe(503);
      expect(res.body.migrations).toBe('pending');
      expect(res.body.problems).toEqual(['database migrations are pending']);
    } finally {
      await dataSource.query('INSERT INTO schema_migrations (id, timestamp, name) VALUES ($1, $2, $3)', [
        last.id,
        Number(last.name.match(/\d+$/)[0]),
        last.name,
      ]);
    }
    expect((await request(t.http).get('/health')).body.status).toBe('healthy');
  });
});

describe('GET /health when the database is slow', () => {
  it('stays available (200) but reports degraded and says why', async () => {
    const t = await createTestApp({ env: { AUTOPACK_HEALTH_SLOW_DB_MS: '0' } });
    try {
      const res = await request(t.http).get('/health');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('degraded');
      expect(res.body.problems).toEqual([
        expect.stringMatching(/^the database answered in [\d.]+ ms \(over 0 ms\)$/),
      ]);
    } finally {
      await t.close();
    }
  });
});

describe('databaseIdentity', () => {
  it('hashes host, port and database name only', () => {
    const a = databaseIdentity('postgres://u:one@db:5432/app');
    expect(a).toBe(databaseIdentity('postgres://other:two@db:5432/app'));
    expect(a).not.toBe(databaseIdentity('postgres://u:one@db:5433/app'));
    expect(a).not.toBe(databaseIdentity('postgres://u:one@db:5432/app2'));
  });
});
