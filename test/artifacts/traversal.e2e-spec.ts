import request from 'supertest';
import { symlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { fileUrl, link, runDir, startRun, writeFiles } from '../helpers/artifacts';
import { asAdmin, startBody } from '../helpers/runs';

/**
 * The traversal corpus: every payload tries to read something outside the run directory — the system's
 * /etc, a sibling directory whose name starts with the run id, another run, the runs root — by plain,
 * encoded, double-encoded, overlong-UTF-8, Windows, UNC, NUL, fullwidth and symlink routes. None may
 * answer 200 with outside content. The Windows shapes (drive letters, `\\?\` and `\\.\`, data streams,
 * device names, trailing dots, 8.3 names) are listed with what each platform decides in docs/CANONICAL_API_CONTRACT.md;
 * src/artifacts/*.win32.spec.ts runs the same code under Windows semantics.
 */
describe('artifacts: traversal corpus', () => {
  let t: TestApp;
  let runId: string;
  let otherRun: string;
  const OUTSIDE = ['OUTSIDE-SIBLING-SECRET', 'OTHER-RUN-CONTENT', 'RUNS-ROOT-SECRET', 'root:x:0:0'];

  beforeAll(async () => {
    t = await createTestApp();
    runId = await startRun(t);
    otherRun = await startRun(t);
    const dir = runDir(t, runId);
    writeFiles(dir, { 'ok.txt': 'INSIDE-CONTENT', 'sub/inner.txt': 'INNER-CONTENT' });
    // A sibling whose name shares the run id as a prefix: a naive startsWith(runDir) check lets it through.
    writeFiles(`${dir}-evil`, { 'secret.txt': 'OUTSIDE-SIBLING-SECRET' });
    writeFiles(runDir(t, otherRun), { 'b.txt': 'OTHER-RUN-CONTENT' });
    writeFiles(t.config.runsRoot, { 'root-secret.txt': 'RUNS-ROOT-SECRET' });
    link(dir, 'etc', '/etc');
    link(dir, 'passwd', '/etc/passwd');
    link(dir, 'sibling.txt', `${dir}-evil/secret.txt`);
    link(dir, 'sibling-dir', `${dir}-evil`);
    link(dir, 'relative-sibling.txt', `../${runId}-evil/secret.txt`);
    link(dir, 'other-run.txt', `../${otherRun}/b.txt`);
    link(dir, 'other-run', `../${otherRun}`);
    link(dir, 'root.txt', '../root-secret.txt');
    link(dir, 'sub/up.txt', '../../root-secret.txt');
    link(dir, 'inside-link.txt', 'sub/inner.txt');
  });
  afterAll(() => t.close());

  const corpus: string[] = [
    '../root-secret.txt',
    '../../../../../../etc/passwd',
    '..',
    '.',
    'sub/../../root-secret.txt',
    './ok.txt',
    '%2e%2e%2froot-secret.txt',
    '%2e%2e/root-secret.txt',
    '..%2froot-secret.txt',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '%252e%252e%252froot-secret.txt',
    '%252e%252e/root-secret.txt',
    '%25252e%25252e%25252froot-secret.txt',
    '..%5croot-secret.txt',
    '..%5c..%5c..%5cetc%5cpasswd',
    '%c0%ae%c0%ae%c0%afroot-secret.txt',
    '..%c0%afroot-secret.txt',
    '..%c1%9croot-secret.txt',
    'C:/Windows/win.ini',
    'C:%5cWindows%5cwin.ini',
    'c:..%2froot-secret.txt',
    '%5c%5cserver%5cshare%5cx',
    '%5c%5c.%5cC:%5cx',
    '%2fetc%2fpasswd',
    '/etc/passwd',
    '//etc/passwd',
    'ok.txt%00.png',
    '%00',
    '..%00/root-secret.txt',
    '',
    '../{RUN}-evil/secret.txt',
    '..%2f{RUN}-evil%2fsecret.txt',
    '../{OTHER}/b.txt',
    'etc/passwd',
    'passwd',
    'sibling.txt',
    'sibling-dir/secret.txt',
    'relative-sibling.txt',
    'other-run.txt',
    'other-run/b.txt',
    'root.txt',
    'sub/up.txt',
    encodeURIComponent('．．/root-secret.txt'),
    encodeURIComponent('．．／root-secret.txt'),
    encodeURIComponent('‥/root-secret.txt'),
    'sub//..//..//root-secret.txt',
    'sub/%2e%2e/%2e%2e/root-secret.txt',
    // Windows: namespaces, mixed separators, streams, devices, aliases (see the contract).
    '%5c%5c%3f%5cC:%5cWindows%5cwin.ini',
    '%5c%5c%3f%5cUNC%5cserver%5cshare%5cx',
    '%2f%2f%3f%2fC:%2fWindows%2fwin.ini',
    '%5c%5c.%5cNUL',
    '%2f%2f.%2fCON',
    'sub/..%5c..%5croot-secret.txt',
    '..%5c{RUN}-evil%5csecret.txt',
    'ok.txt::$DATA',
    'ok.txt%3A%3A%24DATA',
    'sub::$INDEX_ALLOCATION/..%5c..%5croot-secret.txt',
    'ok.txt:secret',
    'CON',
    'NUL.txt',
    'COM1',
    'lpt1.log',
    'PROGRA~1/x',
    'ok.txt.',
    'ok.txt%20',
    '..%20/root-secret.txt',
    '..%2e/root-secret.txt',
  ];

  it('has at least 30 payloads', () => expect(corpus.length).toBeGreaterThanOrEqual(30));

  it.each(corpus)('never serves outside content for %s', async (template) => {
    const payload = template
      .replace('{RUN}', encodeURIComponent(runId))
      .replace('{OTHER}', encodeURIComponent(otherRun));
    for (const redact of ['', '&redact=true']) {
      const res = await request(t.http)
        .get(fileUrl(runId, payload, redact))
        .set('X-API-Key', TEST_INSTANCE_KEY);
      expect([payload, res.status]).toEqual([payload, expect.any(Number)]);
      expect([400, 404]).toContain(res.status);
      const text = res.text ?? '';
      for (const marker of OUTSIDE) expect(text).not.toContain(marker);
      // Refusals say nothing about the file system.
      expect(text).not.toContain(t.config.runsRoot);
      // An encoded NUL is refused for the whole URL before the route runs (src/http/nul-guard.ts).
      if (res.status === 400)
        expect(['Invalid artifact path', 'NUL characters are not allowed in the URL']).toContain(
          res.body.message,
        );
      if (res.status === 404)
        expect(res.body.message).toMatch(/^(Artifact not found|Run "[^"]*" not found|No such)/);
    }
  });

  it('refuses, on every platform, the Windows shapes that name no legitimate file anywhere (400)', async () => {
    for (const payload of [
      'C:%5cWindows%5cwin.ini',
      '%5c%5cserver%5cshare%5cx',
      '%5c%5c%3f%5cC:%5cx',
      '%5c%5c.%5cCOM1',
      '%2f%2f.%2fNUL',
      'sub%5cinner.txt',
      'ok.txt::$DATA',
      'sub::$INDEX_ALLOCATION/inner.txt',
      'ok.txt%EF%BC%9A%EF%BC%9A$DATA', // fullwidth colons, NFKC ':'
    ]) {
      const res = await request(t.http).get(fileUrl(runId, payload)).set('X-API-Key', TEST_INSTANCE_KEY);
      expect([payload, res.status, res.body.message]).toEqual([payload, 400, 'Invalid artifact path']);
    }
  });

  it('never serves nor lists a secret through a Windows spelling of its name, even where that spelling is a file', async () => {
    // Plain names on Linux; on Windows the same writes land on server.pem itself or on a data stream.
    const dir = runDir(t, runId);
    writeFiles(dir, {
      'server.pem': 'PEM-SECRET',
      'server.pem.': 'PEM-SECRET-DOT',
      'server.pem:x': 'PEM-SECRET-STREAM',
      '.env ': 'ENV-SECRET-SPACE',
    });
    for (const payload of ['server.pem', 'server.pem.', 'server.pem%3Ax', '.env%20', 'SERVER.PEM.']) {
      const res = await request(t.http).get(fileUrl(runId, payload)).set('X-API-Key', TEST_INSTANCE_KEY);
      expect([payload, [400, 404].includes(res.status)]).toEqual([payload, true]);
      expect(res.text).not.toMatch(/SECRET/);
    }
    const index = await request(t.http)
      .get(`/runs/${runId}/artifacts/index`)
      .set('X-API-Key', TEST_INSTANCE_KEY);
    expect(index.body.artifacts.map((a: { path: string }) => a.path)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/pem|env/i)]),
    );
  });

  it('a run whose id differs only in case never reads the other run’s directory', async () => {
    // On a case-insensitive disk (Windows) both ids would open one directory; the real name must match.
    const variant = runId.toUpperCase();
    expect((await asAdmin(t).post('/runs/start', startBody({ runId: variant }))).status).toBe(201);
    const index = await request(t.http)
      .get(`/runs/${encodeURIComponent(variant)}/artifacts/index`)
      .set('X-API-Key', TEST_INSTANCE_KEY);
    expect([index.status, index.body.artifacts]).toEqual([200, []]);
    const file = await request(t.http).get(fileUrl(variant, 'ok.txt')).set('X-API-Key', TEST_INSTANCE_KEY);
    expect(file.status).toBe(404);
  });

  it('serves the run’s own files, including a symlink that stays inside', async () => {
    for (const [path, content] of [
      ['ok.txt', 'INSIDE-CONTENT'],
      ['sub/inner.txt', 'INNER-CONTENT'],
      ['inside-link.txt', 'INNER-CONTENT'],
    ]) {
      const res = await request(t.http).get(fileUrl(runId, path)).set('X-API-Key', TEST_INSTANCE_KEY);
      expect([path, res.status, res.text]).toEqual([path, 200, content]);
    }
  });

  it('lists no link that leads outside, and never descends a linked directory', async () => {
    const res = await request(t.http)
      .get(`/runs/${runId}/artifacts/index`)
      .set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.status).toBe(200);
    expect(res.body.artifacts.map((a: { path: string }) => a.path)).toEqual([
      'inside-link.txt',
      'ok.txt',
      'sub/inner.txt',
    ]);
  });

  it('a run directory that is itself a symlink out of the root has no artifacts', async () => {
    const escaped = await startRun(t);
    symlinkSync('/etc', runDir(t, escaped));
    const index = await request(t.http)
      .get(`/runs/${escaped}/artifacts/index`)
      .set('X-API-Key', TEST_INSTANCE_KEY);
    expect(index.status).toBe(200);
    expect(index.body).toMatchObject({ artifacts: [], total_size_bytes: 0 });
    const file = await request(t.http).get(fileUrl(escaped, 'passwd')).set('X-API-Key', TEST_INSTANCE_KEY);
    expect(file.status).toBe(404);
  });

  it('a run id that is not a plain directory name has no artifact directory', async () => {
    const res = await request(t.http)
      .post('/runs/start')
      .set('X-API-Key', TEST_INSTANCE_KEY)
      .send({ run: { run_id: '..' }, tiers: [], phases: [] });
    expect(res.status).toBe(201);
    const index = await request(t.http)
      .get('/runs/%2E%2E/artifacts/index')
      .set('X-API-Key', TEST_INSTANCE_KEY);
    expect(index.status).toBe(200);
    expect(index.body.artifacts).toEqual([]);
    const file = await request(t.http)
      // Unguarded, <root>/.. + <basename of root>/root-secret.txt would be the root's own secret.
      .get(fileUrl('..', `${encodeURIComponent(basename(t.config.runsRoot))}/root-secret.txt`))
      .set('X-API-Key', TEST_INSTANCE_KEY);
    expect(file.status).toBe(404);
  });
});
