import request from 'supertest';
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
      database: { status: 'ok', latency_ms: expect.any(Number) },
      database_identity: databaseIdentity(t.config.databaseUrl),
      version: t.config.version,
      kill_switches: expect.any(Object),
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
    } finally {
      await restoreDatabase(t.databaseName);
    }
    expect((await request(t.http).get('/health')).status).toBe(200);
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
