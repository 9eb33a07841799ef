import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { approve, claim, LIVE_ENV, storeCredentials } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';
import { startBody } from '../helpers/runs';
import {
  browserSuite,
  CONSOLE_TEST_PASSWORD,
  ConsoleErrors,
  ensureConsoleBuilt,
  launchBrowser,
  newUserContext,
  screenshots,
  seriousAxeViolations,
  signIn,
  waitForTitle,
} from './browser';

const suite = browserSuite();

interface Signed {
  context: BrowserContext;
  page: Page;
  errors: ConsoleErrors;
}

/**
 * The operator's day in a real browser: an executor proposes, the inbox shows it live, a reviewer sees
 * the payload, its hash and what changed since the last approved one, decides; the proposer's own human
 * cannot; a two-person order needs two people in two browsers; rejects carry a reason.
 */
suite('console in a browser: inbox and reviews', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let minter: TestUser; // minted the executor key: the human behind every proposal below
  let operator: TestUser;
  let second: TestUser;
  let executor: TestApiKey;
  let runId: string;
  let alice: Signed; // the operator's browser
  let bob: Signed; // the second operator's browser
  let mallory: Signed; // the minter's browser

  const proposeAction = async (summary: string, input: Record<string, unknown>) => {
    const res = await request(t.http)
      .post('/external-actions')
      .set(executor.headers)
      .set('Idempotency-Key', randomUUID())
      .send({
        external_target: 'shop:test-shop',
        estimated_spend_cents: 20,
        run_id: runId,
        summary,
        ...input,
      });
    expect(res.status).toBe(201);
    return res.body as { id: string; payload_hash: string; status: string };
  };
  const actionStatus = async (id: string) =>
    (await request(t.http).get(`/external-actions/${id}`).set(operator.auth)).body as {
      status: string;
      decision_reason: string | null;
    };

  const open = async (user: TestUser): Promise<Signed> => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    await signIn(page, user.username, CONSOLE_TEST_PASSWORD);
    return { context, page, errors };
  };
  const row = (page: Page, summary: string) => page.getByRole('row').filter({ hasText: summary });

  beforeAll(async () => {
    ensureConsoleBuilt();
    t = await createTestApp({
      env: {
        ...LIVE_ENV,
        AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
        AUTOPACK_RATE_LIMIT_DECISIONS_PER_MINUTE: '1000',
      },
    });
    base = `http://127.0.0.1:${await t.listen()}`;
    await storeCredentials(t);
    minter = await createUser(t, { role: 'admin', password: CONSOLE_TEST_PASSWORD });
    operator = await createUser(t, { role: 'operator', password: CONSOLE_TEST_PASSWORD });
    second = await createUser(t, { role: 'operator', password: CONSOLE_TEST_PASSWORD });
    executor = await mintApiKey(
      t,
      ['runs:read', 'runs:write', 'approvals:request', 'actions:propose', 'actions:execute'],
      { createdBy: minter },
    );
    const body = startBody();
    expect((await request(t.http).post('/runs/start').set(executor.headers).send(body)).status).toBe(201);
    runId = body.run.run_id;
    // Yesterday's listing, approved: the baseline the next one is compared with.
    const baseline = await proposeAction('Mug, usual price', {
      provider: 'etsy',
      action: 'create_listing',
      payload: { title: 'Blue mug', price_cents: 1500, quantity: 10 },
    });
    expect((await approve(t, operator, baseline.id, baseline.payload_hash)).status).toBe(200);

    browser = await launchBrowser();
    [alice, bob, mallory] = await Promise.all([open(operator), open(second), open(minter)]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  afterEach(() => {
    for (const who of [alice, bob, mallory]) who?.errors.expectNone();
  });

  it('shows a new proposal in the inbox within 2 s, without a reload', async () => {
    const { page } = alice;
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.getByText('Nothing is waiting for you').waitFor();
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    const proposed = await proposeAction('Mug at ten times the price', {
      provider: 'etsy',
      action: 'create_listing',
      payload: { title: 'Blue mug', price_cents: 15000, quantity: 10 },
    });
    await row(page, 'Mug at ten times the price').waitFor({ timeout: 2_000 });
    expect(navigations).toBe(0);
    await waitForTitle(page, '(1) Inbox · Autopack');
    expect(await row(page, 'Mug at ten times the price').textContent()).toContain('etsy/create_listing');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshots(page, 'inbox');
    expect(proposed.status).toBe('PENDING');
  });

  it("shows the proposer's own human why they cannot decide, instead of the buttons", async () => {
    const { page } = mallory;
    await row(page, 'Mug at ten times the price').waitFor();
    const mine = row(page, 'Mug at ten times the price');
    expect(await mine.textContent()).toMatch(
      /proposer \(or the human behind the proposing key\) cannot approve/,
    );
    expect(await mine.getByRole('link', { name: /^Review/ }).count()).toBe(0);
    expect(await mine.getByRole('checkbox').count()).toBe(0);
    await mine.getByRole('link', { name: 'Mug at ten times the price' }).click();
    await page.getByRole('heading', { name: 'Review: etsy create_listing' }).waitFor();
    await page.getByText('You cannot decide this').waitFor();
    expect(await page.getByRole('button', { name: /Approve/ }).count()).toBe(0);
  });

  it('reviews payload, hash and the diff against the last approved listing, then approves; the claim is granted', async () => {
    const { page } = alice;
    await row(page, 'Mug at ten times the price')
      .getByRole('link', { name: /^Review/ })
      .click();
    await page.getByRole('heading', { name: 'Review: etsy create_listing' }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const action = (await request(t.http).get(`/external-actions/${id}`).set(operator.auth)).body;
    expect(await page.locator('code.hash').textContent()).toBe(action.payload_hash);
    expect(await page.getByLabel('Payload', { exact: true }).textContent()).toContain('"price_cents": 15000');
    const diff = page.getByRole('table', {
      name: /Payload changes since the last approved etsy create_listing/,
    });
    const price = diff.getByRole('row').filter({ hasText: 'price_cents' });
    await price.waitFor();
    expect(await price.getByRole('cell').allTextContents()).toEqual(['changed', '1500', '15000']);
    expect(await diff.getByRole('row').count()).toBe(2); // header + the one change
    await page.getByText(/Kill switches/).waitFor();
    expect(await page.getByText('AUTOPACK_ENABLE_ETSY_PUBLISH').count()).toBe(1);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshots(page, 'review-action');

    await page.getByRole('button', { name: 'Approve action' }).click();
    await page.getByRole('status').filter({ hasText: 'Approved.' }).waitFor();
    await page.getByText('This is approved').waitFor();
    expect((await actionStatus(id)).status).toBe('APPROVED');
    const granted = await claim(t, executor, id, action.payload_hash);
    expect(granted.status).toBe(200);
    expect(granted.body.granted).toBe(true);
    // The inbox has emptied by itself.
    await page.getByRole('link', { name: '← Back to the inbox' }).click();
    await page.getByText('Nothing is waiting for you').waitFor();
    await waitForTitle(page, '(0) Inbox · Autopack');
  });

  it('needs two people in two browsers for a two-person order', async () => {
    const order = await proposeAction('Buy 5 ACME', {
      provider: 'broker',
      action: 'place_order',
      payload: { symbol: 'ACME', side: 'buy', qty: 5 },
      estimated_spend_cents: 5000,
    });
    await alice.page.goto(`/console/actions/${order.id}`);
    await alice.page.getByRole('button', { name: 'Approve action' }).click();
    await alice.page.getByText(/You cannot decide this: You have already approved this action/).waitFor();
    expect((await actionStatus(order.id)).status).toBe('PENDING');

    const { page } = bob;
    await page.getByRole('link', { name: 'Inbox' }).click();
    await row(page, 'Buy 5 ACME').getByText('1/2 approvals').waitFor();
    await row(page, 'Buy 5 ACME')
      .getByRole('link', { name: /^Review/ })
      .click();
    await page
      .getByRole('listitem')
      .filter({ hasText: `${operator.username} approved` })
      .waitFor();
    await page.getByRole('button', { name: 'Give the second approval' }).click();
    await page.getByText('This is approved').waitFor();
    expect((await actionStatus(order.id)).status).toBe('APPROVED');
  });

  it('rejects only with a reason, and the reason is recorded', async () => {
    const doomed = await proposeAction('Publish an untested listing', {
      provider: 'etsy',
      action: 'publish_listing',
      payload: { listing_id: 42 },
    });
    const { page } = bob;
    await page.goto(`/console/actions/${doomed.id}`);
    await page.getByRole('button', { name: 'Reject action' }).click();
    await page.getByRole('alert').filter({ hasText: 'Give a reason to reject.' }).waitFor();
    expect((await actionStatus(doomed.id)).status).toBe('PENDING');
    await page.getByLabel('Reason (required to reject)').fill('not tested yet');
    await page.getByRole('button', { name: 'Reject action' }).click();
    await page.getByText('This is rejected').waitFor();
    expect(await actionStatus(doomed.id)).toMatchObject({
      status: 'REJECTED',
      decision_reason: 'not tested yet',
    });
  });

  it('bulk-rejects selected requests with one reason, each through its own audited route', async () => {
    const approval = await request(t.http)
      .post('/approval/request')
      .set(executor.headers)
      .send({ run_id: runId, phase_id: 'P1', context: 'wipe the cache' });
    const governance = await request(t.http)
      .post('/governance/requests')
      .set(executor.headers)
      .send({ run_id: runId, phase_id: 'P2', paths: ['src/app.ts'], reason: 'rewrite the app' });
    const { page } = alice;
    await page.goto('/console/');
    await row(page, 'wipe the cache').waitFor();
    await row(page, 'rewrite the app').waitFor();
    // The governance review shows each path against the policy and the pattern that matched.
    await row(page, 'rewrite the app')
      .getByRole('link', { name: /^Review/ })
      .click();
    const paths = page.getByRole('table', { name: /policy pattern/ });
    await paths.getByRole('row').nth(1).waitFor();
    expect(await paths.getByRole('row').nth(1).getByRole('cell').allTextContents()).toEqual([
      'src/app.ts',
      'src/app.ts',
      'needs a human (protected)',
      'src/**',
    ]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshots(page, 'review-governance');
    await page.getByRole('link', { name: '← Back to the inbox' }).click();
    // The approval request's review: its context and a live countdown to its expiry.
    await row(page, 'wipe the cache')
      .getByRole('link', { name: /^Review/ })
      .click();
    await page.getByRole('heading', { name: 'Review: approval request' }).waitFor();
    await page.getByText('wipe the cache').waitFor();
    await page.getByText(/expires in \d+ min/).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshots(page, 'review-approval');
    await page.getByRole('link', { name: '← Back to the inbox' }).click();

    await page.getByRole('checkbox', { name: 'Select wipe the cache' }).check();
    await page.getByRole('checkbox', { name: 'Select rewrite the app (1 path)' }).check();
    await page.getByLabel('Reason for rejecting the 2 selected').fill('stale: the run moved on');
    await page.getByRole('button', { name: 'Reject 2 selected' }).click();
    await page.getByRole('status').filter({ hasText: 'Rejected 2 of 2.' }).waitFor();
    await page.getByText('Nothing is waiting for you').waitFor();
    // A decided request's review shows no deadline any more.
    await page.goto(`/console/approvals/${approval.body.approval_id}`);
    await page.getByText('none: the request was rejected').waitFor();
    expect(await page.getByText(/expires in|no expiry/).count()).toBe(0);
    await page.goBack();
    const a = await request(t.http).get(`/approval/status/${approval.body.approval_id}`).set(operator.auth);
    expect(a.body).toMatchObject({ status: 'rejected', comment: 'stale: the run moved on' });
    const g = await request(t.http)
      .get(`/governance/requests/${governance.body.request_id}`)
      .set(operator.auth);
    expect(g.body).toMatchObject({ status: 'rejected', comment: 'stale: the run moved on' });
    // Each rejection is its own audited decision, by the operator, with the reason.
    const admin = await createUser(t, { role: 'admin' });
    for (const [type, id] of [
      ['approval', approval.body.approval_id],
      ['governance_request', governance.body.request_id],
    ]) {
      const audit = await request(t.http)
        .get('/audit/events')
        .query({ subject_type: type, subject_id: id })
        .set(admin.auth);
      const rejected = (
        audit.body.events as Array<{
          event_type: string;
          actor: { id: string };
          details: { comment?: string };
        }>
      ).filter((e) => e.event_type === `${type}.rejected`);
      expect(rejected).toHaveLength(1);
      expect(rejected[0].actor.id).toBe(operator.principalId);
      expect(rejected[0].details.comment).toBe('stale: the run moved on');
    }
  });

  it('says so when the payload changed underneath (409) and reloads the page', async () => {
    const raced = await proposeAction('Listing approved with a stale hash', {
      provider: 'etsy',
      action: 'create_listing',
      payload: { title: 'Red mug', price_cents: 1500 },
    });
    const { page, errors } = alice;
    errors.allowStatus(/\/api\/external-actions\/[^/]+\/approve$/, 409);
    await page.goto(`/console/actions/${raced.id}`);
    // What a stale page would send: the hash of a payload that is no longer the action's.
    await page.route('**/approve', (route) =>
      route.continue({ postData: JSON.stringify({ payload_hash: 'f'.repeat(64) }) }),
    );
    let loads = 0;
    page.on('request', (r) => r.url().endsWith(`/api/external-actions/${raced.id}`) && loads++);
    await page.getByRole('button', { name: 'Approve action' }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'The payload changed since this page loaded' }).waitFor();
    expect(await alert.textContent()).toMatch(/Request id: \S+/);
    for (let waited = 0; loads === 0 && waited < 5_000; waited += 100) await page.waitForTimeout(100);
    expect(loads).toBeGreaterThan(0);
    await page.unroute('**/approve');
    expect((await actionStatus(raced.id)).status).toBe('PENDING');
    // Reviewed again, with the page's own (current) hash, it goes through.
    await page.getByRole('button', { name: 'Approve action' }).click();
    await page.getByText('This is approved').waitFor();
  });

  it('refreshes the session before the access token expires and keeps working', async () => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    await page.clock.install();
    await signIn(page, operator.username, CONSOLE_TEST_PASSWORD);
    const refreshes: number[] = [];
    page.on('response', (r) => r.url().endsWith('/api/auth/refresh') && refreshes.push(r.status()));
    // The access token lives 15 minutes; the console refreshes at 80 % of its life (here: 12 min).
    await page.clock.fastForward('12:30');
    for (let waited = 0; refreshes.length === 0 && waited < 5_000; waited += 100)
      await page.waitForTimeout(100);
    expect(refreshes).toEqual([200]);
    const fresh = await proposeAction('Listing after the refresh', {
      provider: 'etsy',
      action: 'create_listing',
      payload: { title: 'Green mug', price_cents: 1600 },
    });
    await page.getByLabel('Run', { exact: true }).fill(runId);
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await row(page, 'Listing after the refresh').waitFor();
    expect(fresh.status).toBe('PENDING');
    errors.expectNone();
    await context.close();
  });
});
