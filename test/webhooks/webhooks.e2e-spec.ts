import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { forbiddenAddressProblem } from '../../src/outbound/address-rules';
import { ExpiryScheduler } from '../../src/approvals/expiry-scheduler';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { TEST_CREDENTIALS_KEY } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { EventJson, readableEventPage } from '../helpers/events';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';
import { startReceiver } from '../helpers/receiver';
import type { Receiver } from '../helpers/receiver';
import { countQueries, startBody, uniqueRunId } from '../helpers/runs';
import { rememberSecret } from '../helpers/secrets';

const ENV = {
  AUTOPACK_CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
  AUTOPACK_WEBHOOK_FAILURE_LIMIT: '3',
  AUTOPACK_WEBHOOK_TIMEOUT_SECONDS: '1',
  AUTOPACK_CONSOLE_URL: 'https://console.example.test/ui',
  // Every test starts runs to cause events; the default budget (10 a minute) is not what is tested here.
  AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '100',
};

describe('webhooks: signed, retried, logged, admin-managed', () => {
  let t: TestApp;
  let admin: TestUser;
  let executor: TestApiKey;
  let receiver: Receiver;
  let dispatcher: WebhookDispatcher;

  beforeAll(async () => {
    t = await createTestApp({ env: ENV });
    admin = await createUser(t, { role: 'admin' });
    executor = await mintApiKey(t, ['runs:write']);
    dispatcher = t.app.get(WebhookDispatcher);
  });
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    // One endpoint at a time: each test looks at its own deliveries.
    for (const hook of (await request(t.http).get('/webhooks').set(admin.auth)).body.webhooks) {
      await request(t.http).delete(`/webhooks/${hook.id}`).set(admin.auth).expect(204);
    }
    await receiver.close();
  });
  afterAll(() => t.close());

  const create = async (body: Record<string, unknown> = {}) => {
    const res = await request(t.http)
      .post('/webhooks')
      .set(admin.auth)
      .send({ name: 'ops', url: receiver.url, kind: 'standard', event_types: ['run.started'], ...body })
      .expect(201);
    rememberSecret(res.body.secret);
    return res.body as { id: string; secret: string; url_hint: string };
  };
  const startRun = async () => {
    const body = startBody({ runId: uniqueRunId('wh') });
    await request(t.http).post('/runs/start').set(executor.headers).send(body).expect(201);
    return body.run.run_id;
  };
  const deliveries = async (id: string) =>
    (await request(t.http).get(`/webhooks/${id}/deliveries`).set(admin.auth).expect(200)).body
      .deliveries as Array<{
      id: string;
      status: string;
      attempts: number;
      last_status_code: number | null;
      last_error: string | null;
      next_attempt_at: string | null;
    }>;
  /** Waits until no attempt is in flight (the background pass and the test's own may both be sending). */
  const settle = async (id: string, count = 1) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const log = await deliveries(id);
      if (log.length >= count && log.every((d) => d.status !== 'sending')) return log;
      if (Date.now() > deadline) throw new Error(`deliveries did not settle: ${JSON.stringify(log)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const headersOf = (h: Record<string, unknown>) => ({
    'webhook-id': String(h['webhook-id']),
    'webhook-timestamp': String(h['webhook-timestamp']),
    'webhook-signature': String(h['webhook-signature']),
  });

  it('costs an instance without webhooks one small read per pass, never a claim of deliveries', async () => {
    await startRun(); // an event to wake every reader
    const { result, queries } = await countQueries(t, () => dispatcher.pass());
    expect(result).toBeGreaterThan(1000); // idle: nothing can be due
    expect(queries.filter((sql) => sql.includes('webhook_endpoints WHERE enabled')).length).toBeGreaterThan(
      0,
    );
    expect(queries.filter((sql) => sql.includes('webhook_deliveries'))).toEqual([]);
  });

  it('delivers Standard Webhooks v1 that the standardwebhooks package verifies; the secret is shown once and stored encrypted', async () => {
    const hook = await create();
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(hook.url_hint).not.toContain(new URL(receiver.url).pathname);
    const shown = await request(t.http).get(`/webhooks/${hook.id}`).set(admin.auth).expect(200);
    expect(JSON.stringify(shown.body)).not.toContain(hook.secret.slice(6));
    const runId = await startRun();
    const [received] = await receiver.waitFor(1);
    const payload = new Webhook(hook.secret).verify(received.body, headersOf(received.headers)) as {
      type: string;
      data: { run_id: string; link: string; summary: string };
    };
    expect(payload.type).toBe('run.started');
    expect(payload.data.run_id).toBe(runId);
    expect(payload.data.link).toBe(`https://console.example.test/ui/runs/${runId}`);
    // Another secret, or a body changed in transit, does not verify.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(24, 7).toString('base64')}`).verify(
        received.body,
        headersOf(received.headers),
      ),
    ).toThrow();
    expect(() =>
      new Webhook(hook.secret).verify(received.body.replace(runId, 'other'), headersOf(received.headers)),
    ).toThrow();
    // At rest: neither the secret nor the URL in plaintext.
    const dump = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM webhook_endpoints'));
    expect(dump).not.toContain(hook.secret.slice(6));
    expect(dump).not.toContain(new URL(receiver.url).port + '/hook');
    // The receiver has the request; the dispatcher records the answer right after.
    expect((await settle(hook.id))[0]).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      last_status_code: 200,
    });
  });

  it('rotates the secret: during the overlap both signatures are sent, each verifies', async () => {
    const hook = await create();
    const rotated = (
      await request(t.http).post(`/webhooks/${hook.id}/rotate-secret`).set(admin.auth).expect(201)
    ).body;
    rememberSecret(rotated.secret);
    expect(rotated.secret).not.toBe(hook.secret);
    expect(rotated.previous_secret_expires_at).toEqual(expect.any(String));
    await startRun();
    const [received] = await receiver.waitFor(1);
    expect(String(received.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [hook.secret, rotated.secret]) {
      expect(new Webhook(secret).verify(received.body, headersOf(received.headers))).toMatchObject({
        type: 'run.started',
      });
    }
  });

  it('slack posts text and blocks, telegram a sendMessage, both with the summary and the console link', async () => {
    const slack = await create({ kind: 'slack' });
    await startRun();
    const [fromSlack] = await receiver.waitFor(1);
    const message = JSON.parse(fromSlack.body);
    expect(message.text).toContain('https://console.example.test/ui/runs/');
    expect(message.blocks[0].text.text).toContain('run.started');
    expect(message.blocks[1].elements[0].url).toContain('https://console.example.test/ui/runs/');
    await request(t.http).delete(`/webhooks/${slack.id}`).set(admin.auth).expect(204);
    await request(t.http)
      .post('/webhooks')
      .set(admin.auth)
      .send({ name: 'tg', url: receiver.url, kind: 'telegram', event_types: ['run.started'] })
      .expect(422);
    await create({ kind: 'telegram', telegram_chat_id: '-1001234567890' });
    const runId = await startRun();
    const [, fromTelegram] = await receiver.waitFor(2);
    expect(JSON.parse(fromTelegram.body)).toMatchObject({
      chat_id: '-1001234567890',
      text: expect.stringContaining(`https://console.example.test/ui/runs/${runId}`),
    });
  });

  it('prunes settled deliveries past the events retention on the scheduler sweep, keeps pending and recent ones', async () => {
    const hook = await create();
    receiver.respond = (res) => res.writeHead(204).end();
    for (let i = 0; i < 3; i++) await startRun();
    await receiver.waitFor(3);
    // Received is not yet recorded: wait until the dispatcher has written all three answers.
    let log = await settle(hook.id, 3);
    for (const deadline = Date.now() + 10_000; log.some((d) => d.status !== 'succeeded');) {
      if (Date.now() > deadline) throw new Error(`deliveries did not succeed: ${JSON.stringify(log)}`);
      await new Promise((r) => setTimeout(r, 25));
      log = await settle(hook.id, 3);
    }
    const [oldSettled, oldPending, recent] = log;
    expect([oldSettled, oldPending, recent].map((d) => d.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    const db = t.app.get(DataSource);
    // 31 days old (retention is 30 by default); one of them is still waiting for a retry tomorrow.
    await db.query(
      `UPDATE webhook_deliveries SET created_at = now() - interval '31 days' WHERE id = ANY($1)`,
      [[oldSettled.id, oldPending.id]],
    );
    await db.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now() + interval '1 day' WHERE id = $1`,
      [oldPending.id],
    );
    await expect(t.app.get(ExpiryScheduler).expireNow('webhook_deliveries')).resolves.toBe(1);
    const left = (await deliveries(hook.id)).map((d) => d.id);
    expect(left.sort()).toEqual([oldPending.id, recent.id].sort());
  });

  it('retries with backoff, honours Retry-After, logs every attempt, and redelivers on request', async () => {
    const hook = await create();
    receiver.respond = (res) => res.writeHead(503, { 'Retry-After': '120' }).end();
    await startRun();
    await receiver.waitFor(1);
    let [delivery] = await settle(hook.id);
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status_code: 503,
      last_error: 'http_503',
    });
    const wait = new Date(delivery.next_attempt_at!).getTime() - Date.now();
    expect(wait).toBeGreaterThan(110_000);
    // Due now (as if two minutes passed), and the receiver is back.
    receiver.respond = (res) => res.writeHead(204).end();
    await t.app
      .get(DataSource)
      .query('UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = $1', [delivery.id]);
    await dispatcher.pass();
    [delivery] = await settle(hook.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 204 });
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids)).toEqual(new Set([delivery.id]));
    await request(t.http)
      .post(`/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`)
      .set(admin.auth)
      .expect(202);
    await receiver.waitFor(3);
    expect(receiver.received[2].headers['webhook-id']).toBe(delivery.id);
  });

  it('never follows a redirect, times out a receiver that hangs, and disables after N failures in a row (audited, an event)', async () => {
    const elsewhere = await startReceiver();
    const hook = await create();
    receiver.respond = (res) => res.writeHead(302, { Location: elsewhere.url }).end();
    await startRun();
    await receiver.waitFor(1);
    expect((await settle(hook.id))[0]).toMatchObject({ last_error: 'http_302', status: 'pending' });
    expect(elsewhere.received).toHaveLength(0);
    await elsewhere.close();
    receiver.respond = () => undefined; // never answers
    await startRun();
    await startRun();
    await receiver.waitFor(3);
    const log = await settle(hook.id, 3);
    expect(log.some((d) => d.last_error === 'timeout')).toBe(true);
    const state = (await request(t.http).get(`/webhooks/${hook.id}`).set(admin.auth)).body;
    expect(state).toMatchObject({ enabled: false, consecutive_failures: 3 });
    expect(state.disabled_reason).toContain('3 failed attempts in a row');
    const ds = t.app.get(DataSource);
    expect(
      await ds.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'webhook.disabled' AND subject_id = $1`,
        [hook.id],
      ),
    ).toEqual([{ n: 1 }]);
    const operator = await createUser(t, { role: 'operator' });
    const subjects = (events: EventJson[]) => events.map((e) => e.subject.id);
    const { events } = await readableEventPage(t.http, operator.auth, 'types=webhook.disabled', (page) =>
      subjects(page.events).includes(hook.id),
    );
    expect(subjects(events)).toContain(hook.id);
  });

  it('a 410 disables the endpoint at once', async () => {
    const hook = await create();
    receiver.respond = (res) => res.writeHead(410).end();
    await startRun();
    await receiver.waitFor(1);
    expect((await settle(hook.id))[0]).toMatchObject({ status: 'failed', last_status_code: 410 });
    expect((await request(t.http).get(`/webhooks/${hook.id}`).set(admin.auth)).body).toMatchObject({
      enabled: false,
      disabled_reason: 'the receiver answered 410 Gone',
    });
    // An admin enables it again (the count starts over); an update obeys the same URL rules.
    const enabled = await request(t.http)
      .patch(`/webhooks/${hook.id}`)
      .set(admin.auth)
      .send({ enabled: true })
      .expect(200);
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0 });
    await request(t.http)
      .patch(`/webhooks/${hook.id}`)
      .set(admin.auth)
      .send({ url: 'http://169.254.169.254/' })
      .expect(422);
    await request(t.http).patch(`/webhooks/${hook.id}`).set(admin.auth).send({ kind: 'slack' }).expect(422);
    await request(t.http)
      .patch(`/webhooks/${hook.id}`)
      .set(admin.auth)
      .send({ telegram_chat_id: '42' })
      .expect(422);
  });

  it('a queued delivery survives an app restart (the queue is PostgreSQL)', async () => {
    const hook = await create();
    receiver.respond = (res) => res.writeHead(500).end();
    await startRun();
    await receiver.waitFor(1);
    await settle(hook.id);
    await t.close();
    receiver.respond = (res) => res.writeHead(200).end();
    t = await createTestApp({ env: ENV, database: { url: t.config.databaseUrl!, name: t.databaseName } });
    dispatcher = t.app.get(WebhookDispatcher);
    // A new app, new signing keys for tokens: the same admin signs in again.
    admin = await createUser(t, { role: 'admin' });
    await t.app.get(DataSource).query('UPDATE webhook_deliveries SET next_attempt_at = now()');
    await dispatcher.pass();
    expect((await settle(hook.id))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('refuses bad URLs: metadata everywhere; in production plain http, internal addresses, and names that resolve inside (at connect time)', async () => {
    for (const url of [
      'http://169.254.169.254/latest',
      'http://[fd00:ec2::254]/',
      'ftp://example.com/x',
      'not a url',
    ]) {
      const res = await request(t.http)
        .post('/webhooks')
        .set(admin.auth)
        .send({ name: 'x', url, kind: 'standard', event_types: ['run.started'] });
      expect(res.status).toBe(422);
    }
    await request(t.http)
      .post('/webhooks')
      .set(admin.auth)
      .send({ name: 'x', url: receiver.url, kind: 'standard', event_types: ['nope.never'] })
      .expect(422);
    const prod = await createTestApp({ env: { AUTOPACK_ENV: 'production' } });
    try {
      const prodAdmin = await createUser(prod, { role: 'admin' });
      for (const url of [
        receiver.url,
        'https://127.0.0.1/hook',
        'https://10.1.2.3/hook',
        'https://localhost/hook',
      ]) {
        const res = await request(prod.http)
          .post('/webhooks')
          .set(prodAdmin.auth)
          .send({ name: 'x', url, kind: 'standard', event_types: ['run.started'] });
        expect(res.status).toBe(422);
        expect(res.body.message).toMatch(/https in production|loopback or private address in production/);
      }
      const inside = await internalHostName();
      const hook = await request(prod.http)
        .post('/webhooks')
        .set(prodAdmin.auth)
        .send({ name: 'x', url: `https://${inside}:1/hook`, kind: 'standard', event_types: ['run.started'] })
        .expect(201);
      rememberSecret(hook.body.secret);
      const key = await mintApiKey(prod, ['runs:write']);
      await request(prod.http)
        .post('/runs/start')
        .set(key.headers)
        .send(startBody({ runId: uniqueRunId('p') }))
        .expect(201);
      // The event settles once older writers in the cluster have ended: pass until its attempt is logged.
      let log: Array<{ status: string; last_error: string | null }> = [];
      for (let attempt = 0; attempt < 200 && !(log[0] && log[0].status !== 'sending'); attempt++) {
        await prod.app.get(WebhookDispatcher).pass();
        log = (await request(prod.http).get(`/webhooks/${hook.body.id}/deliveries`).set(prodAdmin.auth)).body
          .deliveries;
        if (!(log[0] && log[0].status !== 'sending')) await new Promise((r) => setTimeout(r, 25));
      }
      expect(log[0]).toMatchObject({ last_error: 'forbidden_address', status: 'pending' });
    } finally {
      await prod.close();
    }
  });
});

async function internalHostName(): Promise<string> {
  for (const candidate of [hostname(), 'localhost.localdomain']) {
    const addresses = await lookup(candidate, { all: true, family: 4 }).catch(() => []);
    if (addresses.length > 0 && addresses.every((a) => forbiddenAddressProblem(a.address, true) !== null)) {
      return candidate;
    }
  }
  throw new Error(`no host name of this machine resolves to an internal IPv4 address (tried ${hostname()})`);
}
