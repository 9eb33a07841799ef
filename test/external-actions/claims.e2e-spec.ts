import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../../src/audit/audit-chain.verifier';
import { ActionClaimsService } from '../../src/external-actions/action-claims.service';
import { payloadHashOf } from '../../src/external-actions/payload-hash';
import { approve, approved, claim, LIVE_ENV, proposed, storeCredentials } from '../helpers/actions';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';

/**
 * Several apps with different switch settings on ONE database: the same actions, judged by processes
 * configured differently (each app reads its own configuration, the rows are shared).
 */
describe('external actions: execution claims', () => {
  let live: TestApp;
  let dataSource: DataSource;
  let executor: TestApiKey;
  let alice: TestUser;
  let bob: TestUser;
  const others: TestApp[] = [];

  /** Another app on the same database with LIVE_ENV plus `env`. */
  async function appWith(env: Record<string, string>): Promise<TestApp> {
    const app = await createTestApp({
      env: { ...LIVE_ENV, ...env },
      database: { url: live.config.databaseUrl!, name: live.databaseName },
    });
    others.push(app);
    return app;
  }

  const statusOf = async (id: string) =>
    (await dataSource.query('SELECT status FROM external_actions WHERE id = $1', [id]))[0].status as string;

  beforeAll(async () => {
    live = await createTestApp({ env: LIVE_ENV });
    dataSource = live.app.get(DataSource);
    await storeCredentials(live);
    executor = await mintApiKey(live, ['actions:propose', 'actions:execute']);
    alice = await createUser(live, { role: 'operator' });
    bob = await createUser(live, { role: 'operator' });
  });
  afterAll(async () => {
    await Promise.all(others.map((app) => app.close()));
    await live.close();
  });

  it('a PENDING Tier C action cannot be claimed (not_approved), nor a two-person action with one approval', async () => {
    const pending = await proposed(live, executor);
    const res = await claim(live, executor, pending.id, pending.payload_hash);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ granted: false, reason: 'not_approved' });
    expect(await statusOf(pending.id)).toBe('PENDING');

    const half = await approved(live, executor, [alice], {
      provider: 'broker',
      action: 'place_order',
      estimated_spend_cents: 100,
    });
    expect(half.status).toBe('PENDING');
    expect((await claim(live, executor, half.id, half.payload_hash)).body.reason).toBe('not_approved');
  });

  it('a payload changed after approval cannot be claimed (hash_mismatch), however it changed', async () => {
    const action = await approved(live, executor, [alice]);
    // The executor is about to run something else than what was approved.
    const other = payloadHashOf({ title: 'something else' });
    const res = await claim(live, executor, action.id, other);
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe('hash_mismatch');

    // The stored payload is rewritten behind the API's back (hash column included): still refused.
    const tampered = { title: 'tampered', price_cents: 1 };
    await dataSource.query('UPDATE external_actions SET payload = $2, payload_hash = $3 WHERE id = $1', [
      action.id,
      JSON.stringify(tampered),
      payloadHashOf(tampered),
    ]);
    for (const hash of [action.payload_hash, payloadHashOf(tampered)]) {
      expect((await claim(live, executor, action.id, hash)).body.reason).toBe('hash_mismatch');
    }
    expect(await statusOf(action.id)).toBe('APPROVED');
  });

  it('50 parallel claims of one approved action → exactly one granted', async () => {
    const action = await approved(live, executor, [alice]);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => claim(live, executor, action.id, action.payload_hash)),
    );
    const granted = responses.filter((res) => res.status === 200);
    expect(granted).toHaveLength(1);
    expect(granted[0].body).toMatchObject({ granted: true, mode: 'live', payload_hash: action.payload_hash });
    const denied = responses.filter((res) => res.status === 409);
    expect(denied).toHaveLength(49);
    expect(new Set(denied.map((res) => res.body.reason))).toEqual(new Set(['already_claimed']));
    const [row] = await dataSource.query(
      'SELECT status, attempt_count, attempt_id FROM external_actions WHERE id = $1',
      [action.id],
    );
    expect(row).toEqual({ status: 'EXECUTING', attempt_count: 1, attempt_id: granted[0].body.attempt_id });
    const events = await dataSource.query(
      `SELECT event_type, count(*)::int AS n FROM audit_events WHERE subject_id = $1 AND event_type LIKE 'action.claim%'
       GROUP BY 1 ORDER BY 1`,
      [action.id],
    );
    expect(events).toEqual([
      { event_type: 'action.claim_denied', n: 49 },
      { event_type: 'action.claimed', n: 1 },
    ]);
  });

  it('50 parallel claims of different actions whose total exceeds the daily cap → the cap is never exceeded', async () => {
    // A fresh day counter: this app's caps are $5 and 30 actions; each action estimates $0.20 (25 fit).
    const capped = await appWith({ AUTOPACK_MAX_DAILY_SPEND_USD: '5', AUTOPACK_MAX_ACTIONS_PER_DAY: '1000' });
    await dataSource.query('DELETE FROM external_action_daily_usage');
    const actions = [];
    for (let i = 0; i < 50; i++)
      actions.push(await approved(live, executor, [alice], { estimated_spend_cents: 20 }));
    const responses = await Promise.all(actions.map((a) => claim(capped, executor, a.id, a.payload_hash)));
    const granted = responses.filter((res) => res.status === 200).length;
    const reasons = responses.filter((res) => res.status === 409).map((res) => res.body.reason);
    expect(granted).toBe(25);
    expect(new Set(reasons)).toEqual(new Set(['spend_cap']));
    const [usage] = await dataSource.query('SELECT spent_cents, actions FROM external_action_daily_usage');
    expect(Number(usage.spent_cents)).toBe(500);
    expect(usage.actions).toBe(25);

    // The action cap, the same way.
    const counted = await appWith({
      AUTOPACK_MAX_DAILY_SPEND_USD: '100000',
      AUTOPACK_MAX_ACTIONS_PER_DAY: '30',
    });
    const more = [];
    for (let i = 0; i < 10; i++)
      more.push(await approved(live, executor, [alice], { estimated_spend_cents: 0 }));
    const second = await Promise.all(more.map((a) => claim(counted, executor, a.id, a.payload_hash)));
    expect(second.filter((res) => res.status === 200)).toHaveLength(5);
    expect(new Set(second.filter((res) => res.status === 409).map((res) => res.body.reason))).toEqual(
      new Set(['action_cap']),
    );
    await dataSource.query('DELETE FROM external_action_daily_usage');
  });

  it('switches off → denied with the right reason; the credential must be healthy', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ AUTOPACK_EXTERNAL_ACTIONS_ENABLED: '0' }, 'kill_switch_off'],
      [{ AUTOPACK_EXTERNAL_ACTIONS_ENABLED: '' }, 'kill_switch_off'],
      [{ AUTOPACK_ENABLE_ETSY_PUBLISH: '0' }, 'domain_switch_off'],
    ];
    const action = await approved(live, executor, [alice]);
    for (const [env, reason] of cases) {
      const app = await appWith(env);
      const res = await claim(app, executor, action.id, action.payload_hash);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ granted: false, reason });
    }
    // The defaults: everything off.
    const defaults = await createTestApp({
      database: { url: live.config.databaseUrl!, name: live.databaseName },
    });
    others.push(defaults);
    expect((await claim(defaults, executor, action.id, action.payload_hash)).body.reason).toBe(
      'kill_switch_off',
    );

    // Other domains' switches do not open this one.
    const youtubeOnly = await appWith({
      AUTOPACK_ENABLE_ETSY_PUBLISH: '0',
      AUTOPACK_ENABLE_YOUTUBE_PUBLISH: '1',
    });
    expect((await claim(youtubeOnly, executor, action.id, action.payload_hash)).body.reason).toBe(
      'domain_switch_off',
    );

    // An unclassified action, even approved by a human, never executes.
    const unknown = await approved(live, executor, [alice], {
      provider: 'tiktok',
      action: 'post',
      estimated_spend_cents: 0,
    });
    expect((await claim(live, executor, unknown.id, unknown.payload_hash)).body.reason).toBe('unclassified');

    // No stored credential (or a revoked/expired one) is unhealthy.
    await dataSource.query(`DELETE FROM oauth_credentials WHERE provider = 'shopify'`);
    const shop = await approved(live, executor, [alice], { provider: 'shopify', action: 'create_product' });
    expect((await claim(live, executor, shop.id, shop.payload_hash)).body.reason).toBe(
      'credential_unhealthy',
    );
    await storeCredentials(live, ['shopify']);
    await dataSource.query(`UPDATE oauth_credentials SET status = 'revoked' WHERE provider = 'shopify'`);
    expect((await claim(live, executor, shop.id, shop.payload_hash)).body.reason).toBe(
      'credential_unhealthy',
    );
    await dataSource.query(`UPDATE oauth_credentials SET status = 'valid' WHERE provider = 'shopify'`);
    expect((await claim(live, executor, shop.id, shop.payload_hash)).status).toBe(200);

    // Nothing of the above left the action changed.
    expect(await statusOf(action.id)).toBe('APPROVED');
  });

  it('dry-run on (the default) → mode "dry_run", nothing is marked executed, nothing reserved', async () => {
    const dry = await appWith({ AUTOPACK_SIDE_EFFECTS_DRY_RUN: '1' });
    const defaultDry = await appWith({ AUTOPACK_SIDE_EFFECTS_DRY_RUN: '' });
    for (const app of [dry, defaultDry]) {
      const before = await dataSource.query(
        'SELECT coalesce(sum(actions), 0)::int AS n FROM external_action_daily_usage',
      );
      const action = await approved(live, executor, [alice]);
      const res = await claim(app, executor, action.id, action.payload_hash);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ granted: true, mode: 'dry_run', lease_expires_at: null });
      const [row] = await dataSource.query(
        `SELECT status, executed_at, external_object_id, result_status, reserved_spend_cents, actual_spend_cents
         FROM external_actions WHERE id = $1`,
        [action.id],
      );
      expect(row).toEqual({
        status: 'DRY_RUN',
        executed_at: null,
        external_object_id: null,
        result_status: null,
        reserved_spend_cents: '0',
        actual_spend_cents: null,
      });
      const after = await dataSource.query(
        'SELECT coalesce(sum(actions), 0)::int AS n FROM external_action_daily_usage',
      );
      expect(after).toEqual(before);
      const [event] = await dataSource.query(
        `SELECT details FROM audit_events WHERE subject_id = $1 AND event_type = 'action.claimed'`,
        [action.id],
      );
      expect(event.details).toMatchObject({
        result: 'dry_run',
        would_execute: { provider: 'etsy', operation: 'create_listing', payload_hash: action.payload_hash },
      });
      // A dry run is final: the outcome endpoint and a second claim refuse.
      expect((await claim(live, executor, action.id, action.payload_hash)).body.reason).toBe(
        'already_executed',
      );
      const outcome = await request(live.http)
        .post(`/external-actions/${action.id}/outcome`)
        .set(executor.headers)
        .send({
          attempt_id: res.body.attempt_id,
          result_status: 'success',
          external_object_id: 'x',
          actual_spend_cents: 0,
        });
      expect(outcome.status).toBe(409);
    }
  });

  it('an expired approval → denied (approval_expired) and the action becomes EXPIRED', async () => {
    const action = await approved(live, executor, [alice]);
    await dataSource.query(
      `UPDATE external_actions SET approval_expires_at = now() - interval '1 second' WHERE id = $1`,
      [action.id],
    );
    const res = await claim(live, executor, action.id, action.payload_hash);
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe('approval_expired');
    expect(await statusOf(action.id)).toBe('EXPIRED');
    expect((await claim(live, executor, action.id, action.payload_hash)).body.reason).toBe(
      'approval_expired',
    );
    const events = await dataSource.query(
      `SELECT event_type FROM audit_events WHERE subject_id = $1 ORDER BY position`,
      [action.id],
    );
    expect(events.map((e: { event_type: string }) => e.event_type)).toEqual([
      'action.proposed',
      'action.approved',
      'action.expired',
      'action.claim_denied',
      'action.claim_denied',
    ]);
  });

  it('the sweep expires stale approvals and turns expired leases into OUTCOME_UNKNOWN (never re-executed)', async () => {
    const stale = await approved(live, executor, [alice]);
    const running = await approved(live, executor, [alice]);
    const granted = await claim(live, executor, running.id, running.payload_hash);
    expect(granted.status).toBe(200);
    await dataSource.query(
      `UPDATE external_actions SET approval_expires_at = now() - interval '1 second' WHERE id = $1`,
      [stale.id],
    );
    await dataSource.query(
      `UPDATE external_actions SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [running.id],
    );
    expect(await live.app.get(ActionClaimsService).sweepExpired()).toBeGreaterThanOrEqual(2);
    expect(await statusOf(stale.id)).toBe('EXPIRED');
    expect(await statusOf(running.id)).toBe('OUTCOME_UNKNOWN');
    expect((await claim(live, executor, running.id, running.payload_hash)).body.reason).toBe(
      'outcome_unknown',
    );

    // Only an operator reconciles it.
    const body = {
      result_status: 'success',
      external_object_id: 'listing-1',
      actual_spend_cents: 15,
      reason: 'live',
    };
    expect(
      (
        await request(live.http)
          .post(`/external-actions/${running.id}/reconcile`)
          .set(executor.headers)
          .send(body)
      ).status,
    ).toBe(403);
    const reconciled = await request(live.http)
      .post(`/external-actions/${running.id}/reconcile`)
      .set(bob.auth)
      .send(body);
    expect(reconciled.status).toBe(200);
    expect(reconciled.body).toMatchObject({
      status: 'COMPLETED',
      external_object_id: 'listing-1',
      actual_spend_cents: 15,
    });
  });

  it('a late outcome after the lease → 409 lease_expired, OUTCOME_UNKNOWN, the report kept for the operator', async () => {
    const action = await approved(live, executor, [alice]);
    const granted = await claim(live, executor, action.id, action.payload_hash);
    await dataSource.query(
      `UPDATE external_actions SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [action.id],
    );
    const res = await request(live.http)
      .post(`/external-actions/${action.id}/outcome`)
      .set(executor.headers)
      .send({
        attempt_id: granted.body.attempt_id,
        result_status: 'success',
        external_object_id: 'v-1',
        actual_spend_cents: 20,
      });
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe('lease_expired');
    expect(await statusOf(action.id)).toBe('OUTCOME_UNKNOWN');
    const [event] = await dataSource.query(
      `SELECT details FROM audit_events WHERE subject_id = $1 AND event_type = 'action.outcome_unknown'`,
      [action.id],
    );
    expect(event.details.late_report).toMatchObject({ external_object_id: 'v-1' });
  });

  it('outcome: success → COMPLETED; failure → FAILED and retried up to max_retries; spend settles', async () => {
    await dataSource.query('DELETE FROM external_action_daily_usage');
    const action = await approved(live, executor, [alice], { estimated_spend_cents: 100 });
    const report = (attemptId: string, body: Record<string, unknown>) =>
      request(live.http)
        .post(`/external-actions/${action.id}/outcome`)
        .set(executor.headers)
        .send({ attempt_id: attemptId, ...body });

    const first = await claim(live, executor, action.id, action.payload_hash);
    expect(first.status).toBe(200);
    // Another executor (not the claimant) cannot report; a wrong attempt id is refused.
    const stranger = await mintApiKey(live, ['actions:execute']);
    const strangerReport = await request(live.http)
      .post(`/external-actions/${action.id}/outcome`)
      .set(stranger.headers)
      .send({ attempt_id: first.body.attempt_id, result_status: 'success', actual_spend_cents: 0 });
    expect(strangerReport.status).toBe(404);
    expect((await report(randomUUID(), { result_status: 'success', actual_spend_cents: 0 })).status).toBe(
      409,
    );

    const failed = await report(first.body.attempt_id, {
      result_status: 'failure',
      error_code: 'rate_limited',
      error_summary: 'provider said 429',
      actual_spend_cents: 0,
    });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ status: 'FAILED', error_code: 'rate_limited', attempt_count: 1 });

    // create_listing allows one retry.
    const retry = await claim(live, executor, action.id, action.payload_hash);
    expect(retry.status).toBe(200);
    expect(retry.body.attempt_id).not.toBe(first.body.attempt_id);
    const done = await report(retry.body.attempt_id, {
      result_status: 'success',
      external_object_id: 'listing-42',
      actual_spend_cents: 80,
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'COMPLETED',
      external_object_id: 'listing-42',
      actual_spend_cents: 80,
    });
    const [usage] = await dataSource.query('SELECT spent_cents, actions FROM external_action_daily_usage');
    expect({ spent: Number(usage.spent_cents), actions: usage.actions }).toEqual({ spent: 80, actions: 2 });

    // Retries are bounded: a youtube publish_video has max_retries 0.
    const once = await approved(live, executor, [alice], {
      provider: 'youtube',
      action: 'publish_video',
      estimated_spend_cents: 0,
    });
    const c = await claim(live, executor, once.id, once.payload_hash);
    await request(live.http)
      .post(`/external-actions/${once.id}/outcome`)
      .set(executor.headers)
      .send({ attempt_id: c.body.attempt_id, result_status: 'failure', actual_spend_cents: 0 });
    expect((await claim(live, executor, once.id, once.payload_hash)).body.reason).toBe('retries_exhausted');
  });

  it('cancel: an operator cancels what is not executing; an executing action cannot be cancelled', async () => {
    const action = await approved(live, executor, [alice]);
    const cancelled = await request(live.http)
      .post(`/external-actions/${action.id}/cancel`)
      .set(bob.auth)
      .send({ reason: 'no longer wanted' });
    expect(cancelled.status).toBe(200);
    expect((await claim(live, executor, action.id, action.payload_hash)).body.reason).toBe('not_approved');

    const running = await approved(live, executor, [alice]);
    await claim(live, executor, running.id, running.payload_hash);
    const refused = await request(live.http)
      .post(`/external-actions/${running.id}/cancel`)
      .set(bob.auth)
      .send({ reason: 'too late' });
    expect(refused.status).toBe(409);
    const withdraw = await request(live.http)
      .post(`/external-actions/${running.id}/withdraw`)
      .set(executor.headers)
      .send({ reason: 'too late' });
    expect(withdraw.status).toBe(409);
  });

  it('machines claim only what they proposed; the instance key may claim any', async () => {
    const action = await approved(live, executor, [alice]);
    const stranger = await mintApiKey(live, ['actions:execute']);
    expect((await claim(live, stranger, action.id, action.payload_hash)).status).toBe(404);
    const proposerOnly = await mintApiKey(live, ['actions:propose']);
    expect((await claim(live, proposerOnly, action.id, action.payload_hash)).status).toBe(403);
    const instance = {
      id: 'instance',
      principalId: 'apikey:instance',
      key: TEST_INSTANCE_KEY,
      headers: { 'X-API-Key': TEST_INSTANCE_KEY },
    };
    expect((await claim(live, instance, action.id, action.payload_hash)).status).toBe(200);
  });

  it('counts every claim outcome in autopack_action_claims_total{result}', async () => {
    const metrics = await request(live.http).get('/metrics').set('X-API-Key', TEST_INSTANCE_KEY);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/autopack_action_claims_total\{result="granted"\} \d+/);
    expect(metrics.text).toMatch(/autopack_action_claims_total\{result="already_claimed"\} 49/);
    expect(metrics.text).toMatch(/autopack_action_claims_total\{result="hash_mismatch"\} \d+/);
  });

  it('shows switches and caps: GET /external-actions/kill-switches and /health', async () => {
    const res = await request(live.http).get('/external-actions/kill-switches').set(alice.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      switches: {
        AUTOPACK_EXTERNAL_ACTIONS_ENABLED: true,
        AUTOPACK_ENABLE_ETSY_PUBLISH: true,
        AUTOPACK_SIDE_EFFECTS_DRY_RUN: false,
      },
      max_daily_spend_cents: 10_000_000,
      max_actions_per_day: 100_000,
      day: new Date().toISOString().slice(0, 10),
    });
    const health = await request(live.http).get('/health');
    expect(health.body.kill_switches).toEqual(res.body.switches);
  });

  it("per-run export lists the run's actions with their history", async () => {
    const runId = `run-${randomUUID()}`;
    await dataSource.query(
      `INSERT INTO runs (id, owner_principal_id, state, safety_profile, run_scope, token_cap, max_phases,
         max_duration_minutes, start_request_sha256) VALUES ($1, $2, 'RUN_CREATED', 'normal', 'multi_tier', 1, 1, 1, $3)`,
      [runId, executor.principalId, 'a'.repeat(64)],
    );
    const action = await approved(live, executor, [alice], { run_id: runId });
    await claim(live, executor, action.id, action.payload_hash);
    const res = await request(live.http).get(`/external-actions/runs/${runId}/export`).set(bob.auth);
    expect(res.status).toBe(200);
    expect(res.body.actions).toHaveLength(1);
    expect(res.body.actions[0].history.map((e: { event_type: string }) => e.event_type)).toEqual([
      'action.proposed',
      'action.approved',
      'action.claimed',
    ]);
    expect(res.body.actions[0].history[2].details).toMatchObject({
      who: {
        requested_by: { type: 'api_key', id: executor.id },
        approved_by: [{ type: 'user', id: alice.id }],
        auth_principal_type: 'api_key',
        auth_principal_id: executor.id,
      },
      what: {
        provider: 'etsy',
        operation: 'create_listing',
        run_id: runId,
        idempotency_key: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
      when: {
        requested_at: expect.any(String),
        approved_at: expect.any(String),
        executed_at: expect.any(String),
      },
      inputs: {
        payload_hash: action.payload_hash,
        payload_summary: 'List a mug',
        external_target: 'shop:test-shop',
      },
      outputs: { external_object_id: null, result_status: null },
      safety: { tier: 'C', kill_switch_snapshot: expect.any(Object), spend_snapshot: expect.any(Object) },
    });
  });

  it('the audit chain verifies after all of it', async () => {
    // Approvals that were refused changed nothing and recorded nothing; everything else is chained.
    expect((await approve(live, alice, randomUUID(), 'a'.repeat(64))).status).toBe(404);
    const result = await verifyAuditChain(dataSource);
    expect(result).toMatchObject({ intact: true });
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE subject_type = 'action'`,
    );
    expect(result.count).toBeGreaterThanOrEqual(n);
  });
});
