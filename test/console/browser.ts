/**
 * The console's browser harness: Debian's Chromium driven by playwright-core (Playwright's own browser
 * download does not work here), one browser per spec file, a new context (cookie jar) per user, the built
 * console served by the real app. Screenshots go to test-output/console (git-ignored).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

import { isLinux } from '../helpers/platform';

export { ensureConsoleBuilt } from '../helpers/console-build';

const ROOT = join(__dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-output', 'console');
/** The password the console tests give their users; scripts/check-console-bundle.js greps the bundle for it. */
export const CONSOLE_TEST_PASSWORD = 'console-test-password';

/**
 * `describe`, or `describe.skip` with one line saying how to get Chromium. CI must have it (.ci/run
 * installs Debian's chromium), so there a missing browser fails instead of skipping.
 */
export function browserSuite(): jest.Describe {
  if (!isLinux) {
    // test/helpers/platform.ts: Debian's Chromium is a Linux part, like nginx (the Windows CI job has neither).
    console.log("SKIPPED the console browser tests: they run on Linux with Debian's chromium");
    return describe.skip;
  }
  if (existsSync(CHROMIUM)) return describe;
  if (process.env.CI) throw new Error(`${CHROMIUM} is required in CI: .ci/run installs Debian's chromium`);
  console.log('SKIPPED the console browser tests: no Chromium; install it with "apt-get install chromium"');
  return describe.skip;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export function newUserContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
}

/**
 * Records what the page logs as an error and every uncaught exception. Chromium logs each 4xx/5xx answer
 * as "Failed to load resource"; a test names the answers it expects (`allowStatus`), anything else counts.
 */
export class ConsoleErrors {
  private readonly errors: string[] = [];
  private readonly allowed: Array<{ url: RegExp; status: number }> = [
    // A load with the signed-in hint tries the refresh cookie; a session ended elsewhere answers 401.
    // (Without the hint, as on a first visit, the console makes no refresh call.)
    { url: /\/api\/auth\/refresh$/, status: 401 },
    // /api/auth/methods comes with SSO (issue #16); without it the console assumes passwords only.
    { url: /\/api\/auth\/methods$/, status: 404 },
  ];

  constructor(page: Page) {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      const status = /status of (\d{3})/.exec(text)?.[1];
      const url = message.location().url;
      if (status && this.allowed.some((a) => a.status === Number(status) && a.url.test(url))) return;
      this.errors.push(`${text} (${url})`);
    });
    page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
  }

  allowStatus(url: RegExp, status: number): void {
    this.allowed.push({ url, status });
  }

  expectNone(): void {
    expect(this.errors).toEqual([]);
  }
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/**
 * Runs axe-core in the page (through the DevTools protocol, which the page's CSP does not apply to) and
 * returns the serious and critical violations, described well enough to fix.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, not a function: this file is type-checked without the DOM library.
  const violations = await page.evaluate('window.axe.run(document).then((result) => result.violations)');
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    );
}

/** The page's document as the functions below see it in the page (this file has no DOM library types). */
type PageGlobals = { document: { title: string; activeElement: { id: string } | null } };

/**
 * Waits until the page's title is `title`: pages set it in an effect, just after their content renders. A
 * function (serialised, so it names nothing outside itself), not a string: the console's CSP forbids eval,
 * which a string predicate needs while it polls.
 */
export async function waitForTitle(page: Page, title: string): Promise<void> {
  await page
    .waitForFunction(
      (expected) => (globalThis as unknown as PageGlobals).document.title === expected,
      title,
      { timeout: 5_000 },
    )
    .catch(async () => {
      throw new Error(`the title is "${await page.title()}", not "${title}"`);
    });
}

/** Waits until the element with id `id` has the focus (pages move it in an effect after navigation). */
export async function waitForFocus(page: Page, id: string): Promise<void> {
  await page
    .waitForFunction(
      (expected) => (globalThis as unknown as PageGlobals).document.activeElement?.id === expected,
      id,
      { timeout: 5_000 },
    )
    .catch(async () => {
      throw new Error(`the focus is on #${await page.evaluate('document.activeElement?.id')}, not #${id}`);
    });
}

/** Screenshots of the page at 1280 px and 390 px wide, as test-output/console/<name>-<width>.png. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const size of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size.width}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

/** Signs in through the sign-in form, as a person would. */
export async function signIn(
  page: Page,
  username: string,
  password: string,
  path = '/console/',
): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const signedIn = page.getByRole('button', { name: 'Sign out' });
  const refused = page.getByRole('alert');
  await signedIn.or(refused).first().waitFor();
  // Signed in is signed in, even when the page it returns to shows an alert of its own (a 404 run).
  if (await signedIn.isVisible()) return;
  throw new Error(`sign-in refused: ${await refused.first().textContent()}`);
}
