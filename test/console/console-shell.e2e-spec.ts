import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { createUser, TestUser } from '../helpers/identity';
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
  waitForFocus,
} from './browser';

const DIST = join(__dirname, '..', '..', 'dist', 'console');

/** How the app serves the console: paths, caching, the strict CSP, and the /api alias it calls. */
describe('console: served by the app under /console/', () => {
  let t: TestApp;
  beforeAll(async () => {
    ensureConsoleBuilt();
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('redirects / to /console/', async () => {
    const res = await request(t.http).get('/').expect(302);
    expect(res.headers.location).toBe('/console/');
  });

  it('serves index.html with a strict CSP and no-cache, for deep links too', async () => {
    for (const path of ['/console/', '/console/runs/abc', '/console/actions/x']) {
      const res = await request(t.http).get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('<div id="app"></div>');
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
    }
  });

  it('serves hashed assets with a year-long immutable cache and 404s a missing one', async () => {
    const js = readdirSync(join(DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const res = await request(t.http).get(`/console/assets/${js}`).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/javascript/);
    await request(t.http).get('/console/assets/index-missing.js').expect(404);
    await request(t.http).get('/console/favicon.ico').expect(404);
  });

  it('never serves a file outside dist/console', async () => {
    for (const path of [
      '/console/../package.json',
      '/console/%2e%2e/package.json',
      '/console/..%2fpackage.json',
    ]) {
      const res = await request(t.http).get(path);
      expect(res.text).not.toContain('"name": "autopack"');
    }
  });

  it('answers the public /api paths nginx exposes, with the same auth', async () => {
    await request(t.http).get('/api/runs').expect(401);
    await request(t.http).get('/api/runs').set('X-API-Key', TEST_INSTANCE_KEY).expect(200);
    await request(t.http).get('/api/auth/me').expect(401);
  });
});

const suite = browserSuite();

suite('console in a browser: sign-in, session, sign-out', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let operator: TestUser;

  beforeAll(async () => {
    ensureConsoleBuilt();
    // Every test here signs in through the form: more than the default per-IP login budget a minute.
    t = await createTestApp({ env: { AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '1000' } });
    base = `http://127.0.0.1:${await t.listen()}`;
    browser = await launchBrowser();
    operator = await createUser(t, { role: 'operator', password: CONSOLE_TEST_PASSWORD });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sends a signed-out visitor to sign-in, then back to the page they asked for', async () => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    const refreshes: string[] = [];
    page.on('request', (r) => r.url().endsWith('/api/auth/refresh') && refreshes.push(r.url()));
    await page.goto('/console/operations');
    await page.getByRole('heading', { name: 'Sign in to Autopack' }).waitFor();
    // The sign-in form shows as soon as there is no session; the address gets `next` a moment later.
    await page.waitForURL((url) => url.searchParams.get('next') === '/operations');
    // A first visit has no session to continue: no refresh call, nothing in the devtools console.
    expect(refreshes).toEqual([]);
    errors.expectNone();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshots(page, 'sign-in');

    await page.getByLabel('Username', { exact: true }).fill(operator.username);
    await page.getByLabel('Password', { exact: true }).fill(CONSOLE_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/operations');

    // Nothing about the session is stored where a script could read it after the page is gone: the one
    // readable cookie is the signed-in hint, which holds no token.
    const stored = await page.evaluate(
      '({ local: localStorage.length, session: sessionStorage.length, cookies: document.cookie })',
    );
    expect(stored).toEqual({ local: 0, session: 0, cookies: 'autopack_signed_in=1' });
    expect(refreshes).toEqual([]);
    errors.expectNone();
    await context.close();
  });

  it('offers SSO when the server has it, coming back to the page asked for', async () => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    // /api/auth/methods comes with SSO (issue #16); until then, stand in for a server that has it.
    await page.route('**/api/auth/methods', (route) =>
      route.fulfill({ json: { password: true, sso: true } }),
    );
    await page.goto('/console/operations');
    const sso = page.getByRole('link', { name: 'Sign in with SSO' });
    await sso.waitFor();
    expect(await sso.getAttribute('href')).toBe('/api/auth/sso/login?return_to=%2Fconsole%2Foperations');
    expect(await page.getByLabel('Password', { exact: true }).count()).toBe(1);
    errors.expectNone();
    await context.close();
  });

  it('shows the API message and request id of a failed sign-in', async () => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    errors.allowStatus(/\/api\/auth\/login$/, 401);
    await page.goto('/console/');
    await page.getByLabel('Username', { exact: true }).fill(operator.username);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Invalid username or password|invalid/i);
    expect(await alert.textContent()).toMatch(/Request id: \S+/);
    errors.expectNone();
    await context.close();
  });

  it('works with the keyboard alone: sign in, skip to the content, reach the navigation', async () => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    await page.goto('/console/');
    await page.getByLabel('Username', { exact: true }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(operator.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(CONSOLE_TEST_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // Loaded afresh, the first stop is the skip link; it moves focus to the content.
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    // Back from the content: the sign-out button, then the navigation.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Operations');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    // After a client-side navigation, focus moves to the new page's content (in an effect, just after it
    // renders).
    await waitForFocus(page, 'main');
    errors.expectNone();
    await context.close();
  });

  it('returns to sign-in when the session ends elsewhere, then back to the page the user was on', async () => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    const login = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
    await signIn(page, operator.username, CONSOLE_TEST_PASSWORD, '/console/runs');
    const sessionId = ((await (await login).json()) as { session_id: string }).session_id;
    // Revoked from another device (the session list): the access token in this tab stops working at once.
    await request(t.http).delete(`/api/auth/sessions/${sessionId}`).set(operator.auth).expect(204);
    errors.allowStatus(/\/api\/inbox/, 401);
    errors.allowStatus(/\/api\/events\/stream-ticket$/, 401);
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page.getByRole('heading', { name: 'Sign in to Autopack' }).waitFor();
    await page.waitForURL((url) => url.searchParams.get('next') === '/');
    await page.goto('/console/runs');
    await page.getByRole('heading', { name: 'Sign in to Autopack' }).waitFor();
    await page.waitForURL((url) => url.searchParams.get('next') === '/runs');
    await page.getByLabel('Username', { exact: true }).fill(operator.username);
    await page.getByLabel('Password', { exact: true }).fill(CONSOLE_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/runs');
    errors.expectNone();
    await context.close();
  });

  it('survives a reload through the refresh cookie, and signs out for good', async () => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    await signIn(page, operator.username, CONSOLE_TEST_PASSWORD, '/console/runs');
    const refreshes: number[] = [];
    page.on('response', (r) => r.url().endsWith('/api/auth/refresh') && refreshes.push(r.status()));
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(refreshes).toEqual([200]);
    expect(new URL(page.url()).pathname).toBe('/console/runs');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Autopack' }).waitFor();
    // The session ended on the server, which cleared the hint with the cookie: a reload does not even try.
    expect(await page.evaluate('document.cookie')).toBe('');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Autopack' }).waitFor();
    expect(refreshes).toEqual([200]);
    errors.expectNone();
    await context.close();
  });
});
