import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp } from './helpers/app';
import type { TestApp } from './helpers/app';
import { LIVE_ENV, proposed, storeCredentials } from './helpers/actions';
import { createUser, mintApiKey } from './helpers/identity';
import type { TestApiKey, TestUser } from './helpers/identity';
import { asAdmin, countQueries, startBody } from './helpers/runs';

/**
 * Every keyset list (issue #19): paged by `cursor` it returns exactly the rows of one big page, in the same
 * order, ties on the timestamp cut by id; each page costs the same few queries however deep; a cursor that
 * is not this list's, or an offset beyond 10,000, is a 400.
 *
 * Rows are cloned from one real row with set-based SQL, most of them sharing one of three creation times,
 * so the tie-break is exercised on every page.
 */

/**
 * What every route pays (the rate limiter's counter, a user's session check) and what workers may run on
 * the pool meanwhile: never a list's own query (those are ordered by keyset or capped).
 */
const isBackground = (sql: string) =>
  sql.includes('rate_limit_counters') ||
  /^(START TRANSACTION|COMMIT)$/.test(sql) ||
  /SET status = 'timeout'/.test(sql) ||
  sql.includes('auth_sessions') ||
  sql.includes('event_log_horizon') ||
  // The dispatcher's reads and an endpoint's lookup, not the lists of endpoints or deliveries.
  (/webhook_(endpoints|deliveries)/.test(sql) && !sql.includes('keyset_key') && !sql.includes('capped'));

/** Clones row `id` of `table` `count` times with new ids and three shared creation times. */
async function cloneRows(
  db: DataSource,
  table: string,
  id: string,
  count: number,
  overrides = "'{}'::jsonb",
  timeColumn = 'created_at',
) {
  await db.query(
    `INSERT INTO ${table}
     SELECT (jsonb_populate_record(NULL::${table}, to_jsonb(x)
               || jsonb_build_object('id', gen_random_uuid(),
                                     '${timeColumn}', date_trunc('second', x.${timeColumn}) - make_interval(secs => g % 3))
               || ${overrides})).*
     FROM ${table} x, generate_series(1, $2) AS g WHERE x.id = $1`,
    [id, count],
  );
}

describe('keyset lists: cursor pages at constant cost', () => {
  let t: TestApp;
  let admin: TestUser;
  let executor: TestApiKey;
  let runId: string;
  let webhookId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...LIVE_ENV, AUTOPACK_ENABLE_CONSOLIDATED_METRICS: '1' } });
    const db = t.app.get(DataSource);
    admin = await createUser(t, { role: 'admin' });
    executor = await mintApiKey(t, ['runs:read', 'runs:write', 'actions:propose', 'approvals:request'], {
      createdBy: admin,
    });

    await cloneRows(db, 'users', admin.id, 24, `jsonb_build_object('username', 'clone-' || g)`);
    await cloneRows(
      db,
      'api_keys',
      executor.id,
      24,
      `jsonb_build_object('prefix', left(x.prefix, 20) || '-' || g)`,
    );

    const body = startBody();
    runId = body.run.run_id;
    expect((await request(t.http).post('/runs/start').set(executor.headers).send(body)).status).toBe(201);
    await cloneRows(db, 'runs', runId, 24);
    const error = await request(t.http)
      .post(`/runs/${runId}/errors`)
      .set(executor.headers)
      .send({ error_type: 'build', message: 'failed' });
    expect(error.status).toBe(201);
    await cloneRows(db, 'run_error_reports', error.body.id, 24);
    const saving = await request(t.http)
      .post('/dashboard/token-savings')
      .set(executor.headers)
      .send({ run_id: runId, category: 'artifact_tokens_avoided', tokens: 10 });
    expect(saving.status).toBe(201);
    await cloneRows(db, 'token_savings_events', saving.body.id, 24, "'{}'::jsonb", 'recorded_at');

    const approval = await request(t.http)
      .post('/approval/request')
      .set(executor.headers)
      .send({ run_id: runId, phase_id: 'P1', decision_info: { step: 'delete build dir' } });
    expect(approval.body.status).toBe('pending');
    await cloneRows(db, 'approval_requests', approval.body.approval_id, 24, "'{}'::jsonb", 'requested_at');

    const action = await proposed(t, executor);
    await cloneRows(
      db,
      'external_actions',
      action.id,
      24,
      `jsonb_build_object('idempotency_key', 'clone-' || g)`,
    );

    await storeCredentials(t, ['etsy']);
    const [event] = await db.query<Array<{ id: string }>>('SELECT id FROM oauth_credential_events LIMIT 1');
    await cloneRows(db, 'oauth_credential_events', event.id, 24);

    const hook = await request(t.http)
      .post('/webhooks')
      .set(admin.auth)
      .send({
        name: 'ops',
        url: 'https://hooks.example.com/in',
        kind: 'standard',
        event_types: ['run.started'],
      });
    expect(hook.status).toBe(201);
    webhookId = hook.body.id;
    // Disabled clones: the dispatcher leaves them alone.
    await cloneRows(db, 'webhook_endpoints', webhookId, 24, `jsonb_build_object('enabled', false)`);
    // Finished deliveries: the dispatcher never picks them up.
    await db.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_cursor, event_type, event, status, attempts, created_at)
       SELECT $1, 'c' || g, 'run.started', '{}'::jsonb, 'succeeded', 1, date_trunc('second', now()) - make_interval(secs => g % 3)
       FROM generate_series(1, 25) AS g`,
      [webhookId],
    );
  });
  afterAll(() => t.close());

  const lists = () => [
    // [path, items field, the caller, queries per page: the page and the capped total, plus a parent check]
    { path: '/runs', field: 'runs', as: 'admin-key', queries: 2 },
    { path: `/runs/${runId}/errors`, field: 'errors', as: 'admin-key', queries: 3 },
    // The run's lookup and its category sums beside the page and the capped total.
    {
      path: `/dashboard/runs/${runId}/consolidated-metrics`,
      field: 'savings_events',
      as: 'admin',
      queries: 4,
      total: 'total_savings_events',
    },
    { path: '/external-actions', field: 'actions', as: 'admin', queries: 2 },
    // Pending requests: a read, no sweep (an expired request is left out by the query itself).
    {
      path: '/approval/pending',
      field: 'approvals',
      as: 'admin',
      queries: 2,
      id: 'approval_id',
      offset: false,
    },
    { path: '/api/auth/users', field: 'users', as: 'admin', queries: 2 },
    { path: '/api/auth/api-keys', field: 'api_keys', as: 'admin', queries: 2 },
    { path: '/api/auth/oauth/events', field: 'events', as: 'admin', queries: 2 },
    { path: '/webhooks', field: 'webhooks', as: 'admin', queries: 2 },
    // The endpoint's own lookup reads webhook_endpoints, filtered out with the dispatcher's reads.
    { path: `/webhooks/${webhookId}/deliveries`, field: 'deliveries', as: 'admin', queries: 2 },
    // The inbox merges three kinds: each kind's slice and capped total, and who is behind the requester
    // (one lookup per distinct requester on the page, here one executor key).
    { path: '/inbox', field: 'items', as: 'admin', queries: 7, offset: false },
  ];
  const get = (as: string, path: string) =>
    as === 'admin-key' ? asAdmin(t).get(path) : request(t.http).get(path).set(admin.auth);
  const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

  it('pages by cursor through exactly the rows of one big page, each page at the same query cost', async () => {
    for (const list of lists()) {
      const whole = await get(list.as, withQuery(list.path, 'limit=100'));
      expect([list.path, whole.status]).toEqual([list.path, 200]);
      const all = whole.body[list.field].map((row: Record<string, string>) => row[list.id ?? 'id']);
      expect([list.path, all.length >= 25]).toEqual([list.path, true]);
      expect(whole.body).toMatchObject({
        next_cursor: null,
        [list.total ?? 'total']: all.length,
        total_exact: true,
      });

      const paged: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 50; page++) {
        const path = withQuery(list.path, `limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        const { result, queries } = await countQueries(t, () => get(list.as, path));
        expect([path, result.status]).toEqual([path, 200]);
        const own = queries.filter((q) => !isBackground(q));
        expect([path, own]).toEqual([path, own.slice(0, list.queries)]);
        expect(own).toHaveLength(list.queries);
        // No exact count over the whole table: the total is counted under a cap (the runs page counts
        // only its own runs' phases).
        expect(own.filter((q) => /count\(/i.test(q) && !/capped|keyset_key/.test(q))).toEqual([]);
        paged.push(...result.body[list.field].map((row: Record<string, string>) => row[list.id ?? 'id']));
        cursor = result.body.next_cursor;
        if (cursor === null) break;
      }
      expect([list.path, paged]).toEqual([list.path, all]);
    }
  });

  it("refuses another list's cursor, a malformed one and an offset beyond 10,000 (400), and offset+cursor", async () => {
    const runsCursor = (await asAdmin(t).get('/runs?limit=1')).body.next_cursor;
    expect(runsCursor).toEqual(expect.any(String));
    for (const list of lists()) {
      for (const cursor of [
        '!!',
        'eyJ4IjoxfQ',
        list.path.startsWith('/runs') && list.field === 'runs' ? 'W10' : runsCursor,
      ]) {
        const res = await get(list.as, withQuery(list.path, `cursor=${encodeURIComponent(cursor)}`));
        expect([list.path, cursor, res.status]).toEqual([list.path, cursor, 400]);
        expect(res.body.detail[0].loc).toEqual(['query', 'cursor']);
      }
      if (list.offset === false) continue;
      const deep = await get(list.as, withQuery(list.path, 'offset=10001'));
      expect([list.path, deep.status]).toEqual([list.path, 400]);
      expect(deep.body.message).toContain('cursor');
      const first = (await get(list.as, withQuery(list.path, 'limit=2'))).body.next_cursor;
      const both = await get(list.as, withQuery(list.path, `limit=2&offset=2&cursor=${first}`));
      expect([list.path, both.status]).toEqual([list.path, 400]);
      // Old clients' offset paging still works, up to the cap.
      const byOffset = await get(list.as, withQuery(list.path, 'limit=2&offset=2'));
      expect([list.path, byOffset.status, byOffset.body.offset]).toEqual([list.path, 200, 2]);
    }
  });
});
