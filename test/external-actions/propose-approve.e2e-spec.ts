import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { idempotencyLockText } from '../../src/external-actions/external-actions.service';
import { payloadHashOf } from '../../src/external-actions/payload-hash';
import { approve, LIVE_ENV, propose, proposalBody, proposed } from '../helpers/actions';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';

describe('external actions: proposals and human decisions', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let minter: TestUser;
  let executor: TestApiKey;
  let alice: TestUser;
  let bob: TestUser;

  const count = async (table: string) =>
    Number((await dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    t = await createTestApp({ env: LIVE_ENV });
    dataSource = t.app.get(DataSource);
    minter = await createUser(t, { role: 'admin' });
    executor = await mintApiKey(t, ['actions:propose', 'actions:execute'], { createdBy: minter });
    alice = await createUser(t, { role: 'operator' });
    bob = await createUser(t, { role: 'operator' });
  });
  afterAll(() => t.close());

  describe('propose', () => {
    it('requires the Idempotency-Key header (400) and a well-formed one', async () => {
      const missing = await request(t.http)
        .post('/external-actions')
        .set(executor.headers)
        .send(proposalBody());
      expect(missing.status).toBe(400);
      expect(missing.body.message).toMatch(/Idempotency-Key/);
      const bad = await propose(t, executor, {}, 'has spaces in it');
      expect(bad.status).toBe(400);
    });

    it('computes the payload hash over the RFC 8785 canonical JSON and leaves Tier C PENDING', async () => {
      const payload = { b: [1, 2.5, 'x'], a: { z: null, y: true } };
      const res = await propose(t, executor, { payload });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        status: 'PENDING',
        tier: 'C',
        classification: 'policy',
        kill_switch: 'AUTOPACK_ENABLE_ETSY_PUBLISH',
        payload_hash: payloadHashOf({ a: { y: true, z: null }, b: [1, 2.5, 'x'] }),
        approved_payload_hash: null,
        proposed_by: executor.principalId,
      });
    });

    it('approves Tier A and B by policy, recorded as such', async () => {
      const res = await propose(t, executor, { action: 'read_listings', estimated_spend_cents: 0 });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'APPROVED', tier: 'A', decided_by: 'policy' });
      expect(res.body.approvals).toEqual([expect.objectContaining({ by: 'policy' })]);
      expect(res.body.approved_payload_hash).toBe(res.body.payload_hash);
      const events = await dataSource.query(
        `SELECT event_type, actor_id FROM audit_events WHERE subject_id = $1 ORDER BY position`,
        [res.body.id],
      );
      expect(events).toEqual([
        { event_type: 'action.proposed', actor_id: executor.principalId },
        { event_type: 'action.approved', actor_id: 'system:policy' },
      ]);
    });

    it('classifies an unknown provider or action as Tier C unclassified', async () => {
      for (const input of [{ provider: 'tiktok', action: 'post_video' }, { action: 'delete_shop' }]) {
        const res = await propose(t, executor, { ...input, estimated_spend_cents: 999 });
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({
          tier: 'C',
          classification: 'unclassified',
          status: 'PENDING',
          kill_switch: null,
        });
      }
    });

    it('refuses a spend over the policy limit and invalid bodies with 422', async () => {
      expect((await propose(t, executor, { estimated_spend_cents: 2001 })).status).toBe(422);
      const bad = await request(t.http)
        .post('/external-actions')
        .set(executor.headers)
        .set('Idempotency-Key', randomUUID())
        .send({ ...proposalBody(), payload: 'not an object' });
      expect(bad.status).toBe(422);
      const nul = await request(t.http)
        .post('/external-actions')
        .set(executor.headers)
        .set('Idempotency-Key', randomUUID())
        .send({ ...proposalBody(), payload: { title: 'a\u0000b' } });
      expect([400, 422]).toContain(nul.status);
      expect((await propose(t, executor, { run_id: 'no-such-run' })).status).toBe(422);
    });

    it('replays: same key and payload → 200 with the stored record, nothing new is created', async () => {
      const key = randomUUID();
      const payload = { title: 'replayed', price_cents: 100 };
      const first = await propose(t, executor, { payload }, key);
      expect(first.status).toBe(201);
      const [actions, events] = [await count('external_actions'), await count('audit_events')];
      const again = await propose(t, executor, { payload: { price_cents: 100, title: 'replayed' } }, key);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(await count('external_actions')).toBe(actions);
      expect(await count('audit_events')).toBe(events);
    });

    it('same key with a different payload → 422; the key is scoped to the principal', async () => {
      const key = randomUUID();
      expect((await propose(t, executor, { payload: { v: 1 } }, key)).status).toBe(201);
      expect((await propose(t, executor, { payload: { v: 2 } }, key)).status).toBe(422);
      const other = await mintApiKey(t, ['actions:propose'], { createdBy: minter });
      expect((await propose(t, other, { payload: { v: 2 } }, key)).status).toBe(201);
    });

    it('a duplicate arriving while the first is still in flight → 409, then the replay', async () => {
      const key = randomUUID();
      // The first request, in flight: its transaction holds the key's lock and has not committed.
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        await runner.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          idempotencyLockText(executor.principalId, key),
        ]);
        const duplicate = await propose(t, executor, { payload: { v: 'in-flight' } }, key);
        expect(duplicate.status).toBe(409);
        expect(duplicate.body.message).toMatch(/still being processed/);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
      expect((await propose(t, executor, { payload: { v: 'in-flight' } }, key)).status).toBe(201);
      expect((await propose(t, executor, { payload: { v: 'in-flight' } }, key)).status).toBe(200);
    });

    it('20 identical proposals at once create exactly one action; the rest are replays or 409', async () => {
      const key = randomUUID();
      const payload = { v: 'burst' };
      const statuses = (
        await Promise.all(Array.from({ length: 20 }, () => propose(t, executor, { payload }, key)))
      ).map((res) => res.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.every((s) => [200, 201, 409].includes(s))).toBe(true);
      const rows = await dataSource.query(
        'SELECT count(*)::int AS n FROM external_actions WHERE proposed_by = $1 AND idempotency_key = $2',
        [executor.principalId, key],
      );
      expect(rows[0].n).toBe(1);
    });
  });

  describe('approve and reject', () => {
    it('machines can never approve: API keys (even the instance key) get 401/403', async () => {
      const action = await proposed(t, executor);
      for (const headers of [executor.headers, { 'X-API-Key': TEST_INSTANCE_KEY }]) {
        const res = await request(t.http)
          .post(`/external-actions/${action.id}/approve`)
          .set(headers)
          .send({ payload_hash: action.payload_hash });
        expect([401, 403]).toContain(res.status);
      }
      const viewer = await createUser(t, { role: 'viewer' });
      expect((await approve(t, viewer, action.id, action.payload_hash)).status).toBe(403);
    });

    it('self-approval is refused with 403: the human behind the proposing key counts as the proposer', async () => {
      const action = await proposed(t, executor);
      // minter minted the executor's key: the same person, once through a login and once through a key.
      expect((await approve(t, minter, action.id, action.payload_hash)).status).toBe(403);
      // A user who proposes with a key minted by another admin but owned by them is refused too.
      const owner = await createUser(t, { role: 'admin' });
      const ownKey = await mintApiKey(t, ['actions:propose'], { createdBy: owner });
      const own = await proposed(t, ownKey);
      expect((await approve(t, owner, own.id, own.payload_hash)).status).toBe(403);
      expect((await approve(t, alice, action.id, action.payload_hash)).status).toBe(200);
    });

    it('a mismatching payload_hash → 409 and nothing changes', async () => {
      const action = await proposed(t, executor);
      const res = await approve(t, alice, action.id, 'f'.repeat(64));
      expect(res.status).toBe(409);
      expect(res.body.reason).toBe('hash_mismatch');
      const stored = await request(t.http).get(`/external-actions/${action.id}`).set(alice.auth);
      expect(stored.body.status).toBe('PENDING');
      expect(stored.body.approvals).toEqual([]);
    });

    it('a two-person action with one approver stays PENDING; the same human twice → 409; a second human approves', async () => {
      const action = await proposed(t, executor, {
        provider: 'broker',
        action: 'place_order',
        estimated_spend_cents: 500,
      });
      const first = await approve(t, alice, action.id, action.payload_hash);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        status: 'PENDING',
        approved_payload_hash: null,
        approvals_required: 2,
      });
      expect((await approve(t, alice, action.id, action.payload_hash)).status).toBe(409);
      const second = await approve(t, bob, action.id, action.payload_hash);
      expect(second.status).toBe(200);
      expect(second.body.status).toBe('APPROVED');
      expect(second.body.approvals.map((a: { by: string }) => a.by)).toEqual([
        alice.principalId,
        bob.principalId,
      ]);
    });

    it('reject needs the reviewed hash too; a decided action cannot be decided again', async () => {
      const action = await proposed(t, executor);
      const rejected = await request(t.http)
        .post(`/external-actions/${action.id}/reject`)
        .set(alice.auth)
        .send({ payload_hash: action.payload_hash, reason: 'wrong price' });
      expect(rejected.status).toBe(200);
      expect(rejected.body.status).toBe('REJECTED');
      expect((await approve(t, bob, action.id, action.payload_hash)).status).toBe(409);
    });

    it('validates ids and bodies: 404 for unknown ids, 422 for a malformed hash', async () => {
      expect((await approve(t, alice, randomUUID(), 'a'.repeat(64))).status).toBe(404);
      expect((await approve(t, alice, 'not-a-uuid', 'a'.repeat(64))).status).toBe(404);
      const action = await proposed(t, executor);
      expect((await approve(t, alice, action.id, 'XYZ')).status).toBe(422);
    });
  });

  describe('reads', () => {
    it('machines see only their own actions (no BOLA); operators see all', async () => {
      const reader = await mintApiKey(t, ['runs:read', 'actions:propose'], { createdBy: minter });
      const mine = await proposed(t, reader);
      const theirs = await proposed(t, executor);
      const list = await request(t.http).get('/external-actions?limit=100').set(reader.headers);
      expect(list.status).toBe(200);
      expect(list.body.actions.map((a: { id: string }) => a.id)).toEqual([mine.id]);
      expect((await request(t.http).get(`/external-actions/${theirs.id}`).set(reader.headers)).status).toBe(
        404,
      );
      const one = await request(t.http).get(`/external-actions/${mine.id}`).set(reader.headers);
      expect(one.status).toBe(200);
      expect(one.body.history.map((e: { event_type: string }) => e.event_type)).toEqual(['action.proposed']);
      const all = await request(t.http)
        .get('/external-actions?status=PENDING&tier=C&limit=5')
        .set(alice.auth);
      expect(all.body.total).toBeGreaterThan(1);
      expect(all.body.actions).toHaveLength(5);
      expect((await request(t.http).get('/external-actions?status=NOPE').set(alice.auth)).status).toBe(400);
    });

    it('withdraw: the proposer cancels its own PENDING action; another machine cannot', async () => {
      const action = await proposed(t, executor);
      const stranger = await mintApiKey(t, ['actions:propose'], { createdBy: minter });
      const denied = await request(t.http)
        .post(`/external-actions/${action.id}/withdraw`)
        .set(stranger.headers)
        .send({ reason: 'not mine' });
      expect(denied.status).toBe(404);
      const ok = await request(t.http)
        .post(`/external-actions/${action.id}/withdraw`)
        .set(executor.headers)
        .send({ reason: 'changed my mind' });
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('CANCELLED');
    });
  });
});
