import request from 'supertest';
import { approve, LIVE_ENV, proposed, storeCredentials } from './helpers/actions';
import { createTestApp, TestApp } from './helpers/app';
import { createUser, mintApiKey, TestApiKey, TestUser } from './helpers/identity';
import { startBody } from './helpers/runs';

interface Item {
  kind: string;
  id: string;
  run_id: string | null;
  summary: string;
  created_at: string;
  expires_at: string | null;
  may_decide: boolean;
  reason: string | null;
  reason_message: string | null;
  approvals: number;
  approvals_required: number;
}

/** GET /inbox: every decision waiting for the signed-in human, and whether they may take it (and why not). */
describe('inbox: what waits for a human', () => {
  let t: TestApp;
  let minter: TestUser; // the admin who minted the executor key: the human behind its proposals
  let operator: TestUser;
  let second: TestUser;
  let viewer: TestUser;
  let executor: TestApiKey;
  let otherExecutor: TestApiKey;
  let runId: string;
  const ids: Record<string, string> = {};

  const inbox = (who: TestUser, query = '') => request(t.http).get(`/inbox${query}`).set(who.auth);
  const items = async (who: TestUser, query = ''): Promise<Item[]> => {
    const res = await inbox(who, query);
    expect(res.status).toBe(200);
    return res.body.items as Item[];
  };

  beforeAll(async () => {
    t = await createTestApp({ env: LIVE_ENV });
    await storeCredentials(t);
    minter = await createUser(t, { role: 'admin' });
    operator = await createUser(t, { role: 'operator' });
    second = await createUser(t, { role: 'operator' });
    viewer = await createUser(t, { role: 'viewer' });
    const scopes = [
      'runs:read',
      'runs:write',
      'approvals:request',
      'actions:propose',
      'actions:execute',
    ] as const;
    executor = await mintApiKey(t, [...scopes], { createdBy: minter });
    otherExecutor = await mintApiKey(t, [...scopes]);
    const body = startBody();
    expect((await request(t.http).post('/runs/start').set(executor.headers).send(body)).status).toBe(201);
    runId = body.run.run_id;

    const approval = await request(t.http)
      .post('/approval/request')
      .set(executor.headers)
      .send({ run_id: runId, phase_id: 'P1', context: 'delete the build directory' });
    ids.approval = approval.body.approval_id;
    const governance = await request(t.http)
      .post('/governance/requests')
      .set(executor.headers)
      .send({ run_id: runId, phase_id: 'P2', paths: ['src/main.ts', 'docs/x.md'], reason: 'refactor' });
    ids.governance = governance.body.request_id;
    ids.listing = (await proposed(t, executor, { run_id: runId })).id;
    const order = await proposed(t, executor, {
      provider: 'broker',
      action: 'place_order',
      payload: { symbol: 'ACME', qty: 1 },
    });
    ids.order = order.id;
    expect((await approve(t, operator, order.id, order.payload_hash)).status).toBe(200);
  });
  afterAll(() => t.close());

  it('lists the three kinds, newest first, with run, summary and expiry', async () => {
    const list = await items(second);
    expect(list.map((i) => [i.kind, i.id])).toEqual([
      ['external_action', ids.order],
      ['external_action', ids.listing],
      ['governance_request', ids.governance],
      ['approval', ids.approval],
    ]);
    const created = list.map((i) => i.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    const approval = list.find((i) => i.kind === 'approval')!;
    expect(approval).toMatchObject({
      run_id: runId,
      summary: 'delete the build directory',
      may_decide: true,
    });
    expect(Date.parse(approval.expires_at!)).toBeGreaterThan(Date.now());
    expect(list.find((i) => i.id === ids.governance)!.summary).toBe('refactor (2 paths)');
    expect(list.find((i) => i.id === ids.order)).toMatchObject({ approvals: 1, approvals_required: 2 });
  });

  it('filters by kind and by run, and bounds the page', async () => {
    expect((await items(second, '?kind=approval')).map((i) => i.id)).toEqual([ids.approval]);
    expect((await items(second, `?run_id=${runId}`)).map((i) => i.id).sort()).toEqual(
      [ids.listing, ids.governance, ids.approval].sort(),
    );
    const page = await inbox(second, '?limit=1');
    expect(page.body).toMatchObject({ total: 4, limit: 1 });
    expect(page.body.items).toHaveLength(1);
    for (const bad of ['?kind=everything', '?limit=0', '?limit=101', `?run_id=${'x'.repeat(256)}`]) {
      const res = await inbox(second, bad);
      expect([bad, res.status]).toEqual([bad, 400]);
    }
  });

  it('says why a person may not decide: minted the key, already approved', async () => {
    for (const item of await items(minter)) {
      expect(item).toMatchObject({ may_decide: false, reason: 'requester_key' });
      expect(item.reason_message).toMatch(/key|proposer/i);
    }
    const byOperator = await items(operator);
    expect(byOperator.find((i) => i.id === ids.order)).toMatchObject({
      may_decide: false,
      reason: 'already_approved',
    });
    expect(byOperator.find((i) => i.id === ids.listing)).toMatchObject({ may_decide: true, reason: null });
    // The second approver of the two-person order may give the second approval.
    expect((await items(second)).find((i) => i.id === ids.order)).toMatchObject({ may_decide: true });
  });

  it('is the rule the decision routes apply: what the inbox refuses, the route refuses', async () => {
    const listing = (await items(minter)).find((i) => i.id === ids.listing)!;
    expect(listing.may_decide).toBe(false);
    const action = await request(t.http).get(`/external-actions/${ids.listing}`).set(minter.auth);
    const res = await approve(t, minter, ids.listing, action.body.payload_hash);
    expect(res.status).toBe(403);
    expect(res.body.message).toBe(listing.reason_message);
  });

  it('shows a viewer only what it may see, and never lets it decide', async () => {
    expect(await items(viewer)).toEqual([]);
    const res = await request(t.http).get(`/inbox/external_action/${ids.listing}`).set(viewer.auth);
    expect(res.status).toBe(404);
  });

  it('answers one item for the review pages, 404 once decided or unknown, 400 for a bad kind', async () => {
    const one = await request(t.http).get(`/inbox/governance_request/${ids.governance}`).set(operator.auth);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ kind: 'governance_request', id: ids.governance, may_decide: true });
    // The id exists, but not as this kind.
    await request(t.http).get(`/inbox/approval/${ids.governance}`).set(operator.auth).expect(404);
    await request(t.http).get(`/inbox/approval/not-a-uuid`).set(operator.auth).expect(404);
    await request(t.http).get(`/inbox/bogus/${ids.governance}`).set(operator.auth).expect(400);
    const decided = await request(t.http)
      .post(`/approval/${ids.approval}/decision`)
      .set(operator.auth)
      .send({ decision: 'reject', comment: 'not now' });
    expect(decided.status).toBe(200);
    await request(t.http).get(`/inbox/approval/${ids.approval}`).set(operator.auth).expect(404);
    expect((await items(operator)).map((i) => i.id)).not.toContain(ids.approval);
  });

  it('is for signed-in humans only', async () => {
    await request(t.http).get('/inbox').expect(401);
    const machine = await request(t.http).get('/inbox').set(executor.headers);
    expect([401, 403]).toContain(machine.status);
  });

  it('gives a reviewer the previous approved payload of the same provider and action, visibility-checked', async () => {
    const first = await proposed(t, executor, { payload: { title: 'Mug', price_cents: 1500 } });
    expect((await approve(t, operator, first.id, first.payload_hash)).status).toBe(200);
    const next = await proposed(t, executor, { payload: { title: 'Mug', price_cents: 15000 } });
    const res = await request(t.http).get(`/external-actions/${next.id}/previous-approved`).set(second.auth);
    expect(res.status).toBe(200);
    expect(res.body.previous).toMatchObject({ id: first.id, payload: { title: 'Mug', price_cents: 1500 } });
    // Another executor sees only its own actions: someone else's approved listing is not its baseline.
    const theirs = await proposed(t, otherExecutor, {});
    const own = await request(t.http)
      .get(`/external-actions/${theirs.id}/previous-approved`)
      .set(otherExecutor.headers);
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ previous: null });
    await request(t.http)
      .get(`/external-actions/${next.id}/previous-approved`)
      .set(otherExecutor.headers)
      .expect(404);
  });

  it('shows one governance request with the pattern that decided each path', async () => {
    const res = await request(t.http).get(`/governance/requests/${ids.governance}`).set(operator.auth);
    expect(res.status).toBe(200);
    expect(res.body.paths).toEqual([
      expect.objectContaining({ normalized: 'src/main.ts', decision: 'never_auto_approve', rule: 'src/**' }),
      expect.objectContaining({ normalized: 'docs/x.md', decision: 'never_auto_approve', rule: 'docs/**' }),
    ]);
    await request(t.http)
      .get(`/governance/requests/${ids.governance}`)
      .set(otherExecutor.headers)
      .expect(404);
  });
});
