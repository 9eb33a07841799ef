import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { asAdmin, countQueries, phasePath, startBody } from '../helpers/runs';

/** The rate limiter's own counter upsert is not part of the endpoint's cost. */
/**
 * The endpoint's own queries: not the rate limiter's counter (every route pays it), nor what background
 * workers may run meanwhile on the same pool (the webhook dispatcher, woken by the events the setup wrote;
 * the event log's horizon). None of those tables is read by a run endpoint, so no run query is hidden.
 */
const BACKGROUND_TABLES = [
  'rate_limit_counters',
  'webhook_deliveries',
  'webhook_endpoints',
  'event_log_horizon',
];
const endpointQueries = (queries: string[]) =>
  queries.filter((q) => !BACKGROUND_TABLES.some((table) => q.includes(table)));

describe('runs: operator reads', () => {
  let t: TestApp;
  let api: ReturnType<typeof asAdmin>;
  const runIds: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '10000' } });
    api = asAdmin(t);
    // 30 runs; three of them share one creation time to prove the tie-break on id.
    for (let i = 0; i < 30; i++) {
      const body = startBody({ runId: `list-${String(i).padStart(2, '0')}`, tiers: 2, phasesPerTier: 3 });
      expect((await api.post('/runs/start', body)).status).toBe(201);
      runIds.push(body.run.run_id);
    }
    const db = t.app.get(DataSource);
    await db.query(
      `UPDATE runs SET created_at = '2026-01-01T00:00:00Z' WHERE id IN ('list-00', 'list-01', 'list-02')`,
    );
    await db.query(`UPDATE runs SET created_at = '2026-01-02T00:00:00Z' WHERE id = 'list-03'`);
    await api.post(phasePath('list-29', 'P1', 'update_status'), { state: 'EXECUTING' });
  });
  afterAll(() => t.close());

  it('GET /runs costs at most 2 queries whatever the page size', async () => {
    for (const limit of [1, 10, 30, 100]) {
      const { result, queries } = await countQueries(t, () => api.get(`/runs?limit=${limit}`));
      expect(result.status).toBe(200);
      expect(result.body.runs).toHaveLength(Math.min(limit, 30));
      expect(endpointQueries(queries)).toHaveLength(2);
    }
  });

  it('GET /runs/{run_id} costs at most 3 queries whatever the number of phases', async () => {
    const big = startBody({ tiers: 5, phasesPerTier: 5 });
    await api.post('/runs/start', big);
    for (const id of ['list-05', big.run.run_id]) {
      const { result, queries } = await countQueries(t, () => api.get(`/runs/${id}`));
      expect(result.status).toBe(200);
      expect(endpointQueries(queries).length).toBeLessThanOrEqual(3);
    }
  });

  it('lists newest first with a stable order, phase counts and a total', async () => {
    const first = (await api.get('/runs?limit=100')).body;
    const ids = first.runs.map((r: { id: string }) => r.id).filter((id: string) => id.startsWith('list-'));
    expect(first.total).toBeGreaterThanOrEqual(30);
    // The three runs created at the same instant come last, ordered by id descending.
    expect(ids.slice(-4)).toEqual(['list-03', 'list-02', 'list-01', 'list-00']);
    const times = first.runs.map((r: { created_at: string }) => r.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(first.runs.find((r: { id: string }) => r.id === 'list-29')).toMatchObject({
      phases_total: 6,
      phases_in_progress: 1,
      phases_queued: 5,
      state: 'PHASE_EXECUTION',
    });

    // Pages cut the same order, without gaps or repeats.
    const paged: string[] = [];
    for (let offset = 0; offset < first.total; offset += 7) {
      const page = (await api.get(`/runs?limit=7&offset=${offset}`)).body;
      expect(page).toMatchObject({ limit: 7, offset, total: first.total, total_exact: true });
      paged.push(...page.runs.map((r: { id: string }) => r.id));
    }
    expect(paged).toEqual(first.runs.map((r: { id: string }) => r.id));
    const beyond = (await api.get(`/runs?offset=${first.total}`)).body;
    expect(beyond).toMatchObject({ runs: [], total: first.total });
  });

  it('pages by cursor: every page costs 2 queries, same order as one big page, no gaps or repeats', async () => {
    const all = (await api.get('/runs?limit=100')).body;
    expect(all.next_cursor).toBeNull();
    expect(all.total_exact).toBe(true);
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/runs?limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const { result, queries } = await countQueries(t, () => api.get(path));
      expect(result.status).toBe(200);
      // The deepest page costs what the first does: the page and the capped total, nothing per row skipped.
      expect(endpointQueries(queries)).toHaveLength(2);
      expect(result.body).toMatchObject({ limit: 4, offset: 0, total: all.total, total_exact: true });
      paged.push(...result.body.runs.map((r: { id: string }) => r.id));
      cursor = result.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 100);
    expect(paged).toEqual(all.runs.map((r: { id: string }) => r.id));
    // Ties on created_at (list-00..02 share one instant, to the microsecond) are cut by id across pages.
    const tied = (await api.get('/runs?created_before=2026-01-01T12:00:00Z&limit=1')).body;
    const second = (
      await api.get(`/runs?created_before=2026-01-01T12:00:00Z&limit=1&cursor=${tied.next_cursor}`)
    ).body;
    const third = (
      await api.get(`/runs?created_before=2026-01-01T12:00:00Z&limit=1&cursor=${second.next_cursor}`)
    ).body;
    expect([tied, second, third].map((p) => p.runs[0].id)).toEqual(['list-02', 'list-01', 'list-00']);
    expect(third.next_cursor).toBeNull();
  });

  it('a cursor keeps the filters of the request it is sent with, and rows within one millisecond are not skipped', async () => {
    const db = t.app.get(DataSource);
    // Two runs one microsecond apart: a cursor rounded to milliseconds would skip the older one.
    await db.query(`UPDATE runs SET created_at = '2026-01-05T00:00:00.000200Z' WHERE id = 'list-10'`);
    await db.query(`UPDATE runs SET created_at = '2026-01-05T00:00:00.000100Z' WHERE id = 'list-11'`);
    const window = '/runs?created_after=2026-01-05T00:00:00Z&created_before=2026-01-05T00:00:01Z&limit=1';
    const first = (await api.get(window)).body;
    expect(first.runs.map((r: { id: string }) => r.id)).toEqual(['list-10']);
    const next = (await api.get(`${window}&cursor=${first.next_cursor}`)).body;
    expect(next.runs.map((r: { id: string }) => r.id)).toEqual(['list-11']);
    expect(next.next_cursor).toBeNull();
  });

  it('accepts a forged but well-formed cursor: it only moves the page', async () => {
    const forged = Buffer.from(JSON.stringify(['runs', '2026-01-01T00:00:00.000000Z', 'list-02'])).toString(
      'base64url',
    );
    const page = (await api.get(`/runs?cursor=${forged}`)).body;
    expect(page.runs.map((r: { id: string }) => r.id)).toEqual(['list-01', 'list-00']);
  });

  it('refuses a malformed, forged or foreign cursor, and a too-deep offset, with a 400 that changes nothing', async () => {
    const foreign = Buffer.from(
      JSON.stringify(['external_actions', '2026-01-01T00:00:00.000000Z', 'x']),
    ).toString('base64url');
    const badKey = Buffer.from(JSON.stringify(['runs', "2026-01-01'; DROP TABLE runs; --", 'x'])).toString(
      'base64url',
    );
    const notJson = Buffer.from('{"runs"').toString('base64url');
    const forged = (key: string, id: string) =>
      Buffer.from(JSON.stringify(['runs', key, id])).toString('base64url');
    const badCursors = [
      '%%%',
      'not a cursor',
      notJson,
      foreign,
      badKey,
      'a'.repeat(600),
      'W10',
      // Shapes PostgreSQL itself would refuse with an error (a 500) if they reached it.
      forged('2026-02-30T00:00:00.000000Z', 'list-01'),
      forged('2026-01-01T24:00:00.000000Z', 'list-01'),
      forged('2026-01-01T00:00:00.000000Z', 'nul\u0000byte'),
      forged('2026-01-01T00:00:00.000000Z', 'x'.repeat(256)),
    ];
    for (const cursor of badCursors) {
      const res = await api.get(`/runs?cursor=${encodeURIComponent(cursor)}`);
      expect([cursor, res.status]).toEqual([cursor, 400]);
      expect(res.body.detail[0].loc).toEqual(['query', 'cursor']);
      expect(JSON.stringify(res.body)).not.toMatch(/stack|SELECT|at Object/);
    }
    const deep = await api.get('/runs?offset=10001');
    expect(deep.status).toBe(400);
    expect(deep.body.message).toMatch(/cursor/);
    expect((await api.get('/runs?offset=10000')).status).toBe(200);
    const cursor = (await api.get('/runs?limit=1')).body.next_cursor;
    const both = await api.get(`/runs?limit=1&offset=3&cursor=${cursor}`);
    expect(both.status).toBe(400);
    expect(both.body.detail[0].loc).toEqual(['query', 'offset']);
    expect((await api.get('/runs?limit=100')).body.total).toBeGreaterThanOrEqual(30);
  });

  it('filters by state and by creation time', async () => {
    const executing = (await api.get('/runs?state=PHASE_EXECUTION')).body;
    expect(executing.runs.map((r: { id: string }) => r.id)).toEqual(['list-29']);
    expect(executing.total).toBe(1);

    const early = (await api.get('/runs?created_before=2026-01-01T12:00:00Z')).body;
    expect(early.runs.map((r: { id: string }) => r.id)).toEqual(['list-02', 'list-01', 'list-00']);
    expect(early.total).toBe(3);

    const window = (
      await api.get('/runs?created_after=2026-01-01T00:00:00Z&created_before=2026-01-02T00:00:00Z')
    ).body;
    expect(window.total).toBe(4);

    const none = (await api.get('/runs?created_after=2030-01-01T00:00:00Z')).body;
    expect(none).toMatchObject({ runs: [], total: 0 });
  });

  it('every runs route needs credentials: 401 without a key, writes and reads alike', async () => {
    const reads = [
      '/runs',
      '/runs/list-05',
      '/runs/list-05/progress',
      '/runs/list-05/issues/index',
      '/runs/list-05/errors',
      '/runs/list-05/errors/summary',
      '/project/issues/backlog',
      '/dashboard/runs/list-05/status',
    ];
    for (const path of reads) expect((await request(t.http).get(path)).status).toBe(401);
    const writes = [
      '/runs/start',
      '/runs/list-05/errors',
      phasePath('list-05', 'P1', 'update_status'),
      phasePath('list-05', 'P1', 'builder_result'),
      phasePath('list-05', 'P1', 'auditor_result'),
      phasePath('list-05', 'P1', 'record_issue'),
    ];
    for (const path of writes) expect((await request(t.http).post(path).send({})).status).toBe(401);
  });

  it('progress and dashboard status show where a run is', async () => {
    const progress = (await api.get('/runs/list-29/progress')).body;
    expect(progress).toMatchObject({
      run_id: 'list-29',
      state: 'PHASE_EXECUTION',
      phases_total: 6,
      phases_in_progress: 1,
      phases_pending: 5,
      phases_completed: 0,
    });
    expect(progress.phases.map((p: { phase_id: string }) => p.phase_id)).toEqual([
      'P1',
      'P2',
      'P3',
      'P4',
      'P5',
      'P6',
    ]);
    const status = (await api.get('/dashboard/runs/list-29/status')).body;
    expect(status).toMatchObject({
      current_phase_name: 'Phase 1',
      current_tier_name: 'Tier 1',
      current_tier_index: 0,
      total_phases: 6,
      percent_complete: 0,
    });
  });
});
