import request from 'supertest';
import { DataSource } from 'typeorm';
import { ExpiryScheduler } from '../../src/approvals/expiry-scheduler';
import { approved, claim, LIVE_ENV, storeCredentials } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { EventJson, readableEventPage } from '../helpers/events';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';
import { startBody, uniqueRunId } from '../helpers/runs';

describe('events from the seams: approvals, governance, actions, credentials; the approval long poll', () => {
  let t: TestApp;
  let executor: TestApiKey;
  let other: TestApiKey;
  let operator: TestUser;
  let runId: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        ...LIVE_ENV,
        AUTOPACK_EVENTS_EXPIRING_WARNING_MINUTES: '30',
        AUTOPACK_ACTION_APPROVAL_TTL_SECONDS: '600',
      },
    });
    const owner = await createUser(t, { role: 'operator' });
    operator = await createUser(t, { role: 'operator' });
    const scopes = [
      'runs:write',
      'runs:read',
      'approvals:request',
      'actions:propose',
      'actions:execute',
      'events:read',
    ] as const;
    executor = await mintApiKey(t, [...scopes], { createdBy: owner });
    other = await mintApiKey(t, [...scopes]);
    const body = startBody({ runId: uniqueRunId('em') });
    await request(t.http).post('/runs/start').set(executor.headers).send(body).expect(201);
    runId = body.run.run_id;
  });
  afterAll(() => t.close());

  /** The events about one subject that `who` sees, once at least `atLeast` are readable. */
  const eventsOf = async (who: Record<string, string>, subjectId: string, atLeast = 0) => {
    const about = (events: EventJson[]) => events.filter((e) => e.subject.id === subjectId);
    const page = await readableEventPage(t.http, who, 'limit=500', (p) => about(p.events).length >= atLeast);
    return about(page.events);
  };
  const ask = () =>
    request(t.http)
      .post('/approval/request')
      .set(executor.headers)
      .send({
        run_id: runId,
        phase_id: 'P1',
        decision_info: { step: 'rm -rf build', api_key: 'sk-live-should-never-show' },
      })
      .expect(200);

  it('approval requested → decided, owned by the requester, no payload in the event', async () => {
    const { body } = await ask();
    await request(t.http)
      .post(`/approval/${body.approval_id}/decision`)
      .set(operator.auth)
      .send({ decision: 'reject', comment: 'not now' })
      .expect(200);
    const events = await eventsOf(executor.headers, body.approval_id, 2);
    expect(events.map((e) => e.type)).toEqual(['approval.requested', 'approval.decided']);
    expect(events[1].data).toMatchObject({ status: 'rejected', automatic: false });
    expect(events.every((e) => e.owner === executor.principalId)).toBe(true);
    expect(JSON.stringify(events)).not.toContain('sk-live');
    expect(JSON.stringify(events)).not.toContain('rm -rf');
    expect(await eventsOf(other.headers, body.approval_id)).toEqual([]);
  });

  it('GET /approval/status?wait=N returns as soon as a human decides (woken by the event), unchanged without wait', async () => {
    const { body } = await ask();
    const started = Date.now();
    const waiting = request(t.http).get(`/approval/status/${body.approval_id}?wait=20`).set(executor.headers);
    const answer = new Promise<request.Response>((resolve, reject) => waiting.then(resolve, reject));
    // Without wait: at once, still pending (the executor wire format).
    const now = await request(t.http)
      .get(`/approval/status/${body.approval_id}`)
      .set(executor.headers)
      .expect(200);
    expect(now.body.status).toBe('pending');
    await new Promise((r) => setTimeout(r, 300));
    await request(t.http)
      .post(`/approval/${body.approval_id}/decision`)
      .set(operator.auth)
      .send({ decision: 'approve', comment: 'ok' })
      .expect(200);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('approved');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(3_000);
    // A wait with nothing happening ends at N, still pending; bounds are enforced.
    const { body: quiet } = await ask();
    const before = Date.now();
    const still = await request(t.http)
      .get(`/approval/status/${quiet.approval_id}?wait=1`)
      .set(executor.headers)
      .expect(200);
    expect(still.body.status).toBe('pending');
    expect(Date.now() - before).toBeGreaterThanOrEqual(900);
    await request(t.http)
      .get(`/approval/status/${quiet.approval_id}?wait=31`)
      .set(executor.headers)
      .expect(400);
    // Another key still gets 404, waiting or not.
    await request(t.http).get(`/approval/status/${quiet.approval_id}?wait=1`).set(other.headers).expect(404);
  });

  it('warns once before expiry (*.expiring), then records the expiry', async () => {
    const { body } = await ask();
    const governance = await request(t.http)
      .post('/governance/requests')
      .set(executor.headers)
      .send({
        run_id: runId,
        phase_id: 'P1',
        paths: ['src/payments/secret.ts'],
        reason: 'touching payments',
      });
    expect(governance.status).toBeLessThan(300);
    const scheduler = t.app.get(ExpiryScheduler);
    await scheduler.sweepAll();
    await scheduler.sweepAll();
    const warned = await eventsOf(executor.headers, body.approval_id, 2);
    expect(warned.map((e) => e.type)).toEqual(['approval.requested', 'approval.expiring']);
    const governanceEvents = await eventsOf(executor.headers, governance.body.request_id, 2);
    expect(governanceEvents.map((e) => e.type)).toEqual(
      governance.body.status === 'pending'
        ? ['governance_request.created', 'governance_request.expiring']
        : ['governance_request.created', 'governance_request.decided'],
    );
    await t.app
      .get(DataSource)
      .query(`UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        body.approval_id,
      ]);
    await scheduler.sweepAll();
    const after = await eventsOf(executor.headers, body.approval_id, 3);
    expect(after.map((e) => e.type)).toEqual(['approval.requested', 'approval.expiring', 'approval.expired']);
  });

  it('external actions: proposed, approved, claimed, expiring, all owned by the proposer', async () => {
    await storeCredentials(t, ['etsy']);
    const action = await approved(t, executor, [operator]);
    const events = await eventsOf(executor.headers, action.id, 2);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['action.proposed', 'action.approved']));
    await t.app.get(ExpiryScheduler).sweepAll();
    expect((await eventsOf(executor.headers, action.id, 3)).map((e) => e.type)).toContain('action.expiring');
    expect((await claim(t, executor, action.id, action.payload_hash)).status).toBe(200);
    const all = await eventsOf(executor.headers, action.id, 4);
    expect(all.map((e) => e.type)).toContain('action.claimed');
    expect(all.every((e) => e.owner === executor.principalId && e.subject.type === 'action')).toBe(true);
    expect(await eventsOf(other.headers, action.id)).toEqual([]);
  });

  it('credential health changes are events that only those who see everything see', async () => {
    await storeCredentials(t, ['youtube']);
    const seen = await eventsOf(operator.auth, 'youtube', 1);
    expect(seen.map((e) => e.type)).toEqual(['credential.health_changed']);
    expect(seen[0].data).toMatchObject({ from: 'not_configured', to: 'valid' });
    expect(await eventsOf(executor.headers, 'youtube')).toEqual([]);
  });
});
