import type { Browser } from 'playwright-core';
import { LIVE_ENV, storeCredentials } from '../helpers/actions';
import { createTestApp, TestApp } from '../helpers/app';
import { createUser, TestUser } from '../helpers/identity';
import {
  browserSuite,
  CONSOLE_TEST_PASSWORD,
  ConsoleErrors,
  ensureConsoleBuilt,
  launchBrowser,
  newUserContext,
  signIn,
} from './browser';
import { checkBothWidths } from './widths';

/** The operations page: switches and caps as configured, today's use, credential health. */
browserSuite()('console in a browser: operations', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let viewer: TestUser;

  beforeAll(async () => {
    ensureConsoleBuilt();
    // Everything on except the trading domain, whose switch is tripped; a $50 daily cap.
    t = await createTestApp({
      env: { ...LIVE_ENV, AUTOPACK_ENABLE_TRADING_ORDERS: '0', AUTOPACK_MAX_DAILY_SPEND_USD: '50' },
    });
    base = `http://127.0.0.1:${await t.listen()}`;
    browser = await launchBrowser();
    viewer = await createUser(t, { role: 'viewer', password: CONSOLE_TEST_PASSWORD });
    await storeCredentials(t, ['etsy']);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows a tripped kill switch, live mode, the caps and credential health (read-only)', async () => {
    const context = await newUserContext(browser, base);
    const page = await context.newPage();
    const errors = new ConsoleErrors(page);
    await signIn(page, viewer.username, CONSOLE_TEST_PASSWORD, '/console/operations');
    await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
    const switches = page.getByRole('table', { name: 'Kill switches' });
    await switches.waitFor();
    const row = (name: string) => switches.getByRole('row', { name: new RegExp(name) });
    expect(await row('AUTOPACK_ENABLE_TRADING_ORDERS').getByText('Tripped', { exact: true }).count()).toBe(1);
    expect(await row('AUTOPACK_ENABLE_ETSY_PUBLISH').getByText('Enabled', { exact: true }).count()).toBe(1);
    expect(await row('AUTOPACK_EXTERNAL_ACTIONS_ENABLED').getByText('Enabled', { exact: true }).count()).toBe(
      1,
    );
    expect(await row('AUTOPACK_SIDE_EFFECTS_DRY_RUN').getByText('Live', { exact: true }).count()).toBe(1);
    await page.getByText('$0.00 of $50.00').waitFor();
    await page.getByRole('progressbar', { name: 'Spend against the cap' }).waitFor();

    const credentials = page.getByRole('table', { name: 'Provider credentials' });
    await credentials.getByRole('row', { name: /etsy/ }).getByText('valid').waitFor();
    // Nothing here changes a switch: no control but Refresh.
    expect(await page.getByRole('main').getByRole('button').allTextContents()).toEqual(['Refresh']);

    await checkBothWidths(page, 'operations');
    errors.expectNone();
    await context.close();
  });
});
