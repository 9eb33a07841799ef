import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TEST_CREDENTIALS_KEY } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { createUser, TestUser } from '../helpers/identity';
import { rememberSecret } from '../helpers/secrets';
import {
  browserSuite,
  CONSOLE_TEST_PASSWORD,
  ConsoleErrors,
  ensureConsoleBuilt,
  launchBrowser,
  newUserContext,
  seriousAxeViolations,
  signIn,
} from './browser';
import { checkBothWidths } from './widths';

/** The admin pages in Chromium: audit and its chain, API keys, users and sessions, webhooks; and who may. */
browserSuite()('console in a browser: admin', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let admin: TestUser;
  let viewer: TestUser;
  let context: BrowserContext;
  let page: Page;
  let errors: ConsoleErrors;

  beforeAll(async () => {
    ensureConsoleBuilt();
    // Webhook secrets are stored encrypted: without a credentials key the webhook routes answer 503.
    t = await createTestApp({ env: { AUTOPACK_CREDENTIALS_KEY: TEST_CREDENTIALS_KEY } });
    base = `http://127.0.0.1:${await t.listen()}`;
    browser = await launchBrowser();
    admin = await createUser(t, { role: 'admin', password: CONSOLE_TEST_PASSWORD });
    viewer = await createUser(t, { role: 'viewer', password: CONSOLE_TEST_PASSWORD });
    context = await newUserContext(browser, base);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    page = await context.newPage();
    errors = new ConsoleErrors(page);
    await signIn(page, admin.username, CONSOLE_TEST_PASSWORD, '/console/admin');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  afterEach(() => errors?.expectNone());

  it('shows the audit log with filters and the chain verified intact', async () => {
    await page.goto('/console/admin');
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByText('Intact').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'events verified' }).textContent()).toMatch(
      /\d+ events verified/,
    );
    await page.getByRole('table', { name: 'Audit events, newest first' }).waitFor();
    await page.getByLabel('Event type').fill('no.such_event');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No audit event matches.').waitFor();
    expect(new URL(page.url()).searchParams.get('event_type')).toBe('no.such_event');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('table', { name: 'Audit events, newest first' }).waitFor();
    await checkBothWidths(page, 'admin-audit');
  });

  it('mints an API key whose secret is shown once, works, and is gone after a reload; then revokes it', async () => {
    await page
      .getByRole('navigation', { name: 'Admin sections' })
      .getByRole('link', { name: 'API keys' })
      .click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByLabel('Key name').fill('executor-console-test');
    await page.getByLabel('runs:write').uncheck();
    await page.getByRole('button', { name: 'Mint key' }).click();
    const shown = page.getByRole('region', { name: 'New API key' });
    await shown.waitFor();
    const secret = (await shown.locator('code.secret').textContent()) ?? '';
    rememberSecret(secret);
    expect(secret.length).toBeGreaterThan(20);
    await shown.getByRole('button', { name: 'Copy new api key' }).click();
    await shown.getByText('Copied.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);

    // The key is real and holds the scopes chosen: it reads runs, it may not write them.
    await request(t.http).get('/runs').set('X-API-Key', secret).expect(200);
    await request(t.http).post('/runs/start').set('X-API-Key', secret).send({}).expect(403);

    await page.reload();
    const row = page.getByRole('row', { name: /executor-console-test/ });
    await row.waitFor();
    expect(await page.getByRole('region', { name: 'New API key' }).count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await checkBothWidths(page, 'admin-api-keys');

    await row.getByRole('button', { name: 'Revoke executor-console-test' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the key executor-console-test?' });
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('revoked').waitFor();
    await request(t.http).get('/runs').set('X-API-Key', secret).expect(401);
  });

  it('creates a user, and revokes one of a user’s sessions', async () => {
    await page.goto('/console/admin/users');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByLabel('New username').fill('night-operator');
    await page.getByLabel('Role', { exact: true }).selectOption('operator');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('region', { name: 'Set-password token' }).waitFor();
    await page.getByRole('link', { name: 'night-operator' }).waitFor();
    const created = await request(t.http).get('/api/auth/users').set(admin.auth).expect(200);
    expect(created.body.users).toEqual(
      expect.arrayContaining([expect.objectContaining({ username: 'night-operator', role: 'operator' })]),
    );
    await checkBothWidths(page, 'admin-users');

    // Someone signed in elsewhere: the admin ends that session from the console.
    const target = await createUser(t, { role: 'operator' });
    await request(t.http).get('/api/auth/me').set(target.auth).expect(200);
    await page.goto('/console/admin/users');
    await page.getByRole('link', { name: target.username }).click();
    await page.getByRole('heading', { name: 'Sessions of a user' }).waitFor();
    await page.getByText('test helper').waitFor();
    await checkBothWidths(page, 'admin-user-sessions');
    await page.getByRole('button', { name: `Revoke session ${target.sessionId.slice(0, 8)}` }).click();
    await page
      .getByRole('dialog', { name: 'Revoke this session?' })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await page.getByText('This user has no active session.').waitFor();
    await request(t.http).get('/api/auth/me').set(target.auth).expect(401);
  });

  it('adds a webhook (secret shown once), disables it and shows its empty delivery log', async () => {
    await page.goto('/console/admin/webhooks');
    await page.getByLabel('Webhook name').fill('ops-pager');
    await page.getByLabel('URL').fill('http://127.0.0.1:9/hook');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const shown = page.getByRole('region', { name: 'Webhook signing secret' });
    await shown.waitFor();
    rememberSecret((await shown.locator('code.secret').textContent()) ?? '');
    const row = page.getByRole('row', { name: /ops-pager/ });
    await row.getByRole('button', { name: 'Disable ops-pager' }).click();
    await page
      .getByRole('dialog', { name: 'Disable the webhook ops-pager?' })
      .getByRole('button', { name: 'Disable webhook' })
      .click();
    await row.getByText('disabled').waitFor();
    await checkBothWidths(page, 'admin-webhooks');
    await row.getByRole('link', { name: 'ops-pager' }).click();
    await page.getByRole('heading', { name: 'Webhook deliveries' }).waitFor();
    await page.getByText('Deliveries of ops-pager').waitFor();
    await page.getByText('No delivery yet.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('pages the webhooks on with the cursor, 50 a page', async () => {
    // 50 disabled copies of the webhook above, each newer: the oldest first, the newest alone on page two.
    await t.app.get(DataSource).query(
      `INSERT INTO webhook_endpoints
       SELECT (jsonb_populate_record(NULL::webhook_endpoints, to_jsonb(x)
                 || jsonb_build_object('id', gen_random_uuid(), 'name', 'copy-' || g, 'enabled', false,
                                       'created_at', x.created_at + make_interval(secs => g)))).*
       FROM webhook_endpoints x, generate_series(1, 50) AS g WHERE x.name = 'ops-pager'`,
    );
    await page.goto('/console/admin/webhooks');
    const table = page.getByRole('table', { name: 'Webhooks' });
    await page.getByRole('row', { name: /ops-pager/ }).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(50);
    expect(await page.getByRole('row', { name: /copy-50/ }).count()).toBe(0);
    await page
      .getByRole('navigation', { name: 'Webhook pages' })
      .getByRole('button', { name: 'Next page' })
      .click();
    await page.getByRole('row', { name: /copy-50/ }).waitFor();
    expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy();
    expect(await table.locator('tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'First page' }).click();
    await page.getByRole('row', { name: /ops-pager/ }).waitFor();
  });

  it('shows a viewer "admins only" and no Admin link', async () => {
    const viewerContext = await newUserContext(browser, base);
    const viewerPage = await viewerContext.newPage();
    const viewerErrors = new ConsoleErrors(viewerPage);
    await signIn(viewerPage, viewer.username, CONSOLE_TEST_PASSWORD, '/console/admin/api-keys');
    const alert = viewerPage.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Admins only');
    expect(
      await viewerPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count(),
    ).toBe(0);
    expect(await viewerPage.getByLabel('Key name').count()).toBe(0);
    await checkBothWidths(viewerPage, 'admin-viewer');
    viewerErrors.expectNone();
    await viewerContext.close();
  });
});
