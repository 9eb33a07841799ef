import request from 'supertest';
import { verifyAuditChain } from '../src/audit/audit-chain.verifier';
import { TEST_INSTANCE_KEY } from './helpers/app';
import { AppProcess, startAppProcess, stopAppProcess } from './helpers/app-process';
import { appendEvents, MigratedDatabase, openMigratedDatabase } from './helpers/audit';
import { PROBE_COUNTERS_DDL } from './helpers/audit-probe.controller';

/** `count` increments against one app process, `concurrency` requests in flight at a time. */
async function hammer(app: AppProcess, count: number, concurrency: number): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next++ < count) {
      const res = await request(app.base)
        .post('/audit-probe/counters/shared/increment')
        .set('X-API-Key', TEST_INSTANCE_KEY)
        .send({});
      if (res.status !== 201) failures.push(`${res.status} ${JSON.stringify(res.body)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

describe('audit chain with two app processes on one database', () => {
  let db: MigratedDatabase;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    db = await openMigratedDatabase();
    await db.dataSource.query(PROBE_COUNTERS_DDL);
    await db.dataSource.query(`INSERT INTO probe_counters (name) VALUES ('shared')`);
    apps.push(
      ...(await Promise.all([
        startAppProcess('audit-app-process.ts', db.url),
        startAppProcess('audit-app-process.ts', db.url),
      ])),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map(stopAppProcess));
    await db.dataSource.destroy();
  });

  it('never forks the chain while both processes (and a third writer) append concurrently', async () => {
    const perProcess = 60;
    const [a, b] = await Promise.all([
      hammer(apps[0], perProcess, 8),
      hammer(apps[1], perProcess, 8),
      appendEvents(db.dataSource, 20, 4), // this test process writes too
    ]);
    expect([...a, ...b]).toEqual([]);

    const total = 2 * perProcess + 20;
    expect(await verifyAuditChain(db.dataSource, { batchSize: 25 })).toMatchObject({
      intact: true,
      count: total,
    });
    const [{ value }] = await db.dataSource.query(`SELECT value FROM probe_counters WHERE name = 'shared'`);
    expect(value).toBe(2 * perProcess);

    // Both processes really wrote, interleaved in one chain.
    const writers: Array<{ pid: string; n: number }> = await db.dataSource.query(
      `SELECT details->>'pid' AS pid, count(*)::int AS n FROM audit_events
       WHERE event_type = 'probe.incremented' GROUP BY 1 ORDER BY 1`,
    );
    expect(writers).toEqual(
      apps.map((app) => ({ pid: String(app.pid), n: perProcess })).sort((x, y) => x.pid.localeCompare(y.pid)),
    );
  });
});
