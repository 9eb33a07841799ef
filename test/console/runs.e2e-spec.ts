import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { createTestApp, TestApp } from '../helpers/app';
import { runDir, writeFiles } from '../helpers/artifacts';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';
import { builderResult, auditorResult, phasePath, startBody } from '../helpers/runs';
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

const GITHUB_TOKEN = `${'ghp_'}${'Qm7Rt2'.repeat(6)}`;
const PATCH =
  'diff --git a/src/p1/app.ts b/src/p1/app.ts\n--- a/src/p1/app.ts\n+++ b/src/p1/app.ts\n@@ -1,2 +1,2 @@\n-const greeting = "hi";\n+const greeting = "hello";\n unchanged();\n';

/** The runs list, a run's page (phases, patch, live updates, cancel) and its artifacts, in Chromium. */
browserSuite()('console in a browser: runs, a run, its artifacts', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let operator: TestUser;
  let viewer: TestUser;
  let executor: TestApiKey;
  let context: BrowserContext;
  let page: Page;
  let errors: ConsoleErrors;
  const runIds: string[] = [];

  const asExecutor = (path: string, body: object) =>
    request(t.http).post(path).set(executor.headers).send(body);
  const startRun = async (options: Parameters<typeof startBody>[0] = {}) => {
    const body = startBody(options);
    const res = await asExecutor('/runs/start', body);
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    return body.run.run_id;
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    // 26 runs start in a few seconds; the default budget is 10 a minute.
    t = await createTestApp({ env: { AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '100' } });
    base = `http://127.0.0.1:${await t.listen()}`;
    browser = await launchBrowser();
    operator = await createUser(t, { role: 'operator', password: CONSOLE_TEST_PASSWORD });
    viewer = await createUser(t, { role: 'viewer', password: CONSOLE_TEST_PASSWORD });
    executor = await mintApiKey(t, ['runs:read', 'runs:write', 'approvals:request']);
    // 26 runs: one more than a page of the list (25), so paging needs the cursor.
    for (let i = 0; i < 26; i++) runIds.push(await startRun());
    context = await newUserContext(browser, base);
    page = await context.newPage();
    errors = new ConsoleErrors(page);
    await signIn(page, operator.username, CONSOLE_TEST_PASSWORD, '/console/runs');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  afterEach(() => errors?.expectNone());

  it('lists runs newest first and pages on with the cursor', async () => {
    await page.goto('/console/runs');
    const table = page.getByRole('table', { name: 'Runs, newest first' });
    await table.waitFor();
    const firstPage = await table.locator('tbody tr').count();
    expect(firstPage).toBe(25);
    // Newest first: the last run started is on top.
    await page.getByRole('link', { name: runIds[25], exact: true }).waitFor();
    expect(await page.getByRole('link', { name: runIds[0], exact: true }).count()).toBe(0);
    await checkBothWidths(page, 'runs');

    await page
      .getByRole('navigation', { name: 'Runs pages' })
      .getByRole('button', { name: 'Next page' })
      .click();
    await page.getByRole('link', { name: runIds[0], exact: true }).waitFor();
    expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy();
    expect(await table.locator('tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'First page' }).click();
    await page.getByRole('link', { name: runIds[25], exact: true }).waitFor();

    // A state filter that matches nothing says so.
    await page.getByLabel('State').selectOption('DONE_SUCCESS');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No run matches these filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('state')).toBe('DONE_SUCCESS');
  });

  it('shows tiers, phases and a builder patch as a diff, and follows a phase live', async () => {
    const runId = runIds[1];
    expect((await asExecutor(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' })).status).toBe(
      200,
    );
    const built = await asExecutor(
      phasePath(runId, 'P1', 'builder_result'),
      builderResult(runId, 'P1', {
        patch_content: PATCH,
        files_changed: ['src/p1/app.ts'],
        lines_removed: 1,
      }),
    );
    expect(built.status).toBe(201);
    expect(
      (await asExecutor(phasePath(runId, 'P1', 'auditor_result'), auditorResult(runId, 'P1'))).status,
    ).toBe(201);

    await page.goto(`/console/runs/${runId}`);
    await page.getByRole('heading', { name: `Run ${runId}` }).waitFor();
    await page.getByRole('heading', { name: /^Tier 1 \(T1\)/ }).waitFor();
    await page.getByRole('heading', { name: /^Tier 2/ }).waitFor();
    await page.getByText('Live: updates as they happen.').waitFor();

    await page.getByText('Phase 1', { exact: true }).click();
    const diff = page.getByLabel('Patch of P1', { exact: true });
    await diff.waitFor();
    expect(await diff.locator('.diff-add').allTextContents()).toEqual(['+const greeting = "hello";\n']);
    expect(await diff.locator('.diff-del').allTextContents()).toEqual(['-const greeting = "hi";\n']);
    await page.getByText('looks fine').waitFor();
    await checkBothWidths(page, 'run');

    // A phase changes through the API while the page is open: it shows without a reload.
    const phase2 = page.locator('li.phase', { hasText: 'Phase 2' });
    expect(await phase2.locator('.pill').first().textContent()).toBe('queued');
    const reloads: string[] = [];
    page.on('framenavigated', (frame) => frame === page.mainFrame() && reloads.push(frame.url()));
    expect((await asExecutor(phasePath(runId, 'P2', 'update_status'), { state: 'EXECUTING' })).status).toBe(
      200,
    );
    await phase2.locator('.pill', { hasText: 'executing' }).waitFor({ timeout: 5_000 });
    expect(reloads).toEqual([]);
  });

  it('cancels a run with a reason, through a confirmation dialog', async () => {
    const runId = runIds[2];
    await page.goto(`/console/runs/${runId}`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel run ${runId}?` });
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Cancel the run' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Reason').fill('wrong branch, stopping before it spends');
    await dialog.getByRole('button', { name: 'Cancel the run' }).click();
    await page.getByText('Run cancelled.').waitFor();
    await page.getByText('“wrong branch, stopping before it spends”').waitFor();
    const res = await request(t.http).get(`/runs/${runId}`).set(operator.auth).expect(200);
    expect(res.body).toMatchObject({
      state: 'CANCELLED',
      cancel_reason: 'wrong branch, stopping before it spends',
    });
    expect(await page.getByRole('button', { name: 'Cancel run' }).isDisabled()).toBe(true);
  });

  it('reads an artifact with its redaction and truncation marked', async () => {
    const runId = runIds[3];
    writeFiles(runDir(t, runId), {
      'logs/push.log': `pushing with ${GITHUB_TOKEN}\ndone\n`,
      'notes.txt': 'nothing secret\n',
    });
    await page.goto(`/console/runs/${runId}/artifacts`);
    await page.getByRole('link', { name: 'logs/push.log' }).click();
    const content = page.getByLabel('Content of logs/push.log');
    await content.waitFor();
    expect(await content.textContent()).toContain('pushing with [REDACTED:github_token]');
    expect(await content.textContent()).not.toContain(GITHUB_TOKEN);
    expect(await content.locator('mark.redaction').allTextContents()).toEqual(['[REDACTED:github_token]']);
    await page.getByText(/Redacted: 1 secret was removed/).waitFor();
    await checkBothWidths(page, 'artifacts');
  });

  it("lists the run's requests waiting for a decision, and no other run's, updating live", async () => {
    const [runId, otherRun] = [runIds[5], runIds[6]];
    const approval = await asExecutor('/approval/request', {
      run_id: runId,
      phase_id: 'P1',
      context: 'wipe the cache',
    });
    expect(approval.status).toBeLessThan(300);
    const elsewhere = await asExecutor('/approval/request', {
      run_id: otherRun,
      phase_id: 'P1',
      context: 'not this run',
    });
    expect(elsewhere.status).toBeLessThan(300);
    // The server picks the run's requests (GET /inbox?run_id=…), not the page out of everyone's.
    const asked: URL[] = [];
    const record = (r: { url(): string }) => asked.push(new URL(r.url()));
    page.on('request', record);
    await page.goto(`/console/runs/${runId}`);
    const link = (name: string) => page.getByRole('link', { name, exact: true });
    await link(`Approval request ${approval.body.approval_id}`).waitFor();
    await page.getByText('Live: updates as they happen.').waitFor();

    const governance = await asExecutor('/governance/requests', {
      run_id: runId,
      phase_id: 'P2',
      paths: ['src/app.ts'],
      reason: 'rewrite the app',
    });
    expect(governance.status).toBeLessThan(300);
    const item = page
      .getByRole('listitem')
      .filter({ has: link(`Governance request ${governance.body.request_id}`) });
    await item.waitFor();
    expect(await item.textContent()).toContain('(phase P2): rewrite the app (1 path)');
    expect(await link(`Approval request ${elsewhere.body.approval_id}`).count()).toBe(0);
    expect(await page.getByText('No approval or governance request is waiting for this run.').count()).toBe(
      0,
    );
    page.off('request', record);
    expect(asked.filter((url) => url.pathname.endsWith('/pending'))).toEqual([]);
    const inboxReads = asked
      .filter((url) => url.pathname.endsWith('/inbox'))
      .map((url) => `${url.searchParams.get('run_id')} ${url.searchParams.get('kind')}`);
    expect(inboxReads).toEqual(expect.arrayContaining([`${runId} approval`, `${runId} governance_request`]));
  });

  it('shows a viewer the API error with its request id for a run they may not see, and no controls', async () => {
    const viewerContext = await newUserContext(browser, base);
    const viewerPage = await viewerContext.newPage();
    const viewerErrors = new ConsoleErrors(viewerPage);
    viewerErrors.allowStatus(/\/api\/runs\/[^/]+$/, 404);
    viewerErrors.allowStatus(/\/api\/runs\/[^/]+\/(issues\/index|errors)/, 404);
    await signIn(viewerPage, viewer.username, CONSOLE_TEST_PASSWORD, `/console/runs/${runIds[4]}`);
    const alert = viewerPage.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/No such run/);
    expect(await alert.textContent()).toMatch(/Request id: \S+/);
    expect(await viewerPage.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    viewerErrors.expectNone();
    await viewerContext.close();
  });
});
