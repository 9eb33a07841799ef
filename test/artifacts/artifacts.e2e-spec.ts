import request from 'supertest';
import { execFileSync } from 'node:child_process';
import { promises as fsPromises, readFileSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { REDACTION_OVERLAP_BYTES } from '../../src/artifacts/artifact-content';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from '../helpers/app';
import { fileUrl, link, runDir, startRun, writeFiles } from '../helpers/artifacts';
import { createUser, mintApiKey } from '../helpers/identity';
import { isLinux } from '../helpers/platform';

const CAP = 64 * 1024;
const GIB = 2 ** 30;
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(64, 7),
]);
const GITHUB_TOKEN = `${'ghp_'}${'Zx9Yw8'.repeat(6)}`;

const admin = (t: TestApp, path: string) => request(t.http).get(path).set('X-API-Key', TEST_INSTANCE_KEY);

describe('artifacts: index, reads, caps, redaction, ownership', () => {
  let t: TestApp;
  let runId: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: { AUTOPACK_ARTIFACT_READ_SIZE_CAP: String(CAP), AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES: '20' },
    });
    runId = await startRun(t);
    writeFiles(runDir(t, runId), {
      'build.log': 'line one\nline two\n',
      'logs/phase-1.log': 'phase log',
      'browser/shot.png': PNG,
      'browser/page.html': '<html><script>alert(1)</script></html>',
      'browser/session.har': '{"log":{}}',
      'data.bin': Buffer.from([0, 1, 2, 3, 0xff]),
      '.env': 'DB_PASSWORD=x',
      '.env.local': 'x',
      '.credentials/token.json': '{}',
      'certs/server.pem': 'x',
      'tls.key': 'x',
      id_rsa: 'x',
      'id_rsa.pub': 'x',
    });
  });
  afterAll(() => t.close());

  describe('index', () => {
    it('lists the run’s files with sizes and times, hiding secret-bearing ones', async () => {
      const res = await admin(t, `/runs/${runId}/artifacts/index`);
      expect(res.status).toBe(200);
      expect(res.body.run_id).toBe(runId);
      expect(res.body.truncated).toBe(false);
      expect(res.body.artifacts.map((a: { path: string }) => a.path)).toEqual([
        'browser/page.html',
        'browser/session.har',
        'browser/shot.png',
        'build.log',
        'data.bin',
        'logs/phase-1.log',
      ]);
      const build = res.body.artifacts.find((a: { path: string }) => a.path === 'build.log');
      expect(build).toEqual({ path: 'build.log', size_bytes: 18, modified_at: expect.stringMatching(/Z$/) });
      expect(res.body.total_size_bytes).toBe(
        res.body.artifacts.reduce((sum: number, a: { size_bytes: number }) => sum + a.size_bytes, 0),
      );
    });

    it('answers 304 to If-None-Match with the current ETag, and 200 once the listing changes', async () => {
      const first = await admin(t, `/runs/${runId}/artifacts/index`);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^W\/"[\w-]+"$/);
      const again = await admin(t, `/runs/${runId}/artifacts/index`).set('If-None-Match', etag);
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect((await admin(t, `/runs/${runId}/artifacts/index`).set('If-None-Match', '"other"')).status).toBe(
        200,
      );
      writeFiles(runDir(t, runId), { 'later.txt': 'new' });
      const changed = await admin(t, `/runs/${runId}/artifacts/index`).set('If-None-Match', etag);
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
    });

    it('an existing run without a directory lists nothing; an unknown run is 404', async () => {
      const empty = await startRun(t);
      const res = await admin(t, `/runs/${empty}/artifacts/index`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ run_id: empty, artifacts: [], total_size_bytes: 0, truncated: false });
      expect((await admin(t, '/runs/no-such-run/artifacts/index')).status).toBe(404);
      expect((await admin(t, '/runs/no-such-run/browser/artifacts')).status).toBe(404);
      expect((await admin(t, fileUrl('no-such-run', 'x.txt'))).status).toBe(404);
    });

    it('is bounded: beyond the configured entries it answers truncated', async () => {
      const many = await startRun(t);
      writeFiles(
        runDir(t, many),
        Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, 'x'])),
      );
      const res = await admin(t, `/runs/${many}/artifacts/index`);
      expect(res.body.artifacts).toHaveLength(20);
      expect(res.body.truncated).toBe(true);
      expect(res.body.artifacts[19].path).toBe('f19.txt');
    });
  });

  it('browser artifacts: screenshots, HTML and HAR files with their type', async () => {
    const res = await admin(t, `/runs/${runId}/browser/artifacts`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ run_id: runId, total_count: 3, truncated: false });
    expect(res.body.artifacts.map((a: { path: string; type: string }) => [a.path, a.type])).toEqual([
      ['browser/page.html', 'html'],
      ['browser/session.har', 'har'],
      ['browser/shot.png', 'screenshot'],
    ]);
    expect(res.body.artifacts[2]).toMatchObject({ size_bytes: PNG.length, modified_at: expect.any(String) });
  });

  describe('file', () => {
    it('serves text as text/plain; charset=utf-8 with the artifact headers', async () => {
      const res = await admin(t, fileUrl(runId, 'build.log'));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.text).toBe('line one\nline two\n');
      expect(res.headers).toMatchObject({
        'x-artifact-truncated': 'false',
        'x-artifact-original-size': '18',
        'x-artifact-redacted': 'false',
        'x-artifact-redaction-count': '0',
        'x-content-type-options': 'nosniff',
      });
      expect(res.headers['content-disposition']).toBeUndefined();
    });

    it('serves HTML as plain text, never as a page', async () => {
      const res = await admin(t, fileUrl(runId, 'browser/page.html'));
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    });

    it('serves images with their real type, and anything else as a nosniff attachment', async () => {
      const png = await admin(t, fileUrl(runId, 'browser/shot.png')).buffer(true);
      expect(png.headers['content-type']).toBe('image/png');
      expect(png.body).toEqual(PNG);
      const bin = await admin(t, fileUrl(runId, 'data.bin')).buffer(true);
      expect(bin.headers['content-type']).toBe('application/octet-stream');
      expect(bin.headers['content-disposition']).toBe('attachment');
      expect(bin.headers['x-content-type-options']).toBe('nosniff');
    });

    it.each([
      '.env',
      '.env.local',
      '.credentials/token.json',
      'certs/server.pem',
      'tls.key',
      'id_rsa',
      'id_rsa.pub',
    ])('never serves the secret-bearing %s (404)', async (path) => {
      const res = await admin(t, fileUrl(runId, encodeURIComponent(path)));
      expect(res.status).toBe(404);
      expect(res.body.message).toBe('Artifact not found');
    });

    it('never serves a secret-bearing file through an innocent-looking symlink, nor lists it', async () => {
      link(runDir(t, runId), 'alias.txt', '.env');
      link(runDir(t, runId), 'creds-alias.json', '.credentials/token.json');
      for (const path of ['alias.txt', 'creds-alias.json'])
        expect((await admin(t, fileUrl(runId, path))).status).toBe(404);
      const index = await admin(t, `/runs/${runId}/artifacts/index`);
      expect(index.body.artifacts.map((a: { path: string }) => a.path)).not.toContain('alias.txt');
    });

    it('answers 404 for a directory, a missing file and a FIFO, 400 for a bad query', async () => {
      // FIFOs are a POSIX file type (test/helpers/platform.ts): Windows has no mkfifo.
      if (isLinux) {
        execFileSync('mkfifo', [join(runDir(t, runId), 'pipe.log')]);
        expect((await admin(t, fileUrl(runId, 'pipe.log'))).status).toBe(404);
      }
      expect((await admin(t, fileUrl(runId, 'logs'))).status).toBe(404);
      expect((await admin(t, fileUrl(runId, 'missing.txt'))).status).toBe(404);
      expect((await admin(t, `/runs/${runId}/artifacts/file`)).body.message).toBe('Invalid artifact path');
      expect((await admin(t, `${fileUrl(runId, 'a')}&path=b`)).body.message).toBe('Invalid artifact path');
      expect((await admin(t, fileUrl(runId, 'build.log', '&redact=maybe'))).status).toBe(400);
      expect((await admin(t, fileUrl(runId, 'build.log', '&other=1'))).status).toBe(400);
    });

    it('serves a 1 GiB sparse file capped, reading only the cap from disk', async () => {
      const big = join(runDir(t, runId), 'huge.bin');
      await (await open(big, 'w')).close();
      truncateSync(big, GIB);
      // Every read of a FileHandle, whoever makes it, passes through this prototype.
      const probe = await open(__filename, 'r');
      const fileHandlePrototype = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => unknown };
      await probe.close();
      const readSpy = jest.spyOn(fileHandlePrototype, 'read');
      // Nothing reads a whole file (fs.promises' functions are the only spyable ones).
      const whole = [jest.spyOn(fsPromises, 'readFile')];
      try {
        for (const [query, limit] of [
          ['', CAP],
          ['&redact=true', CAP + REDACTION_OVERLAP_BYTES],
        ] as const) {
          readSpy.mockClear();
          const res = await admin(t, fileUrl(runId, 'huge.bin', query)).buffer(true);
          expect(res.status).toBe(200);
          expect(res.headers['x-artifact-truncated']).toBe('true');
          expect(res.headers['x-artifact-original-size']).toBe(String(GIB));
          expect(res.headers['content-type']).toBe('application/octet-stream');
          expect(res.body.length).toBe(CAP);
          const results = await Promise.all(
            readSpy.mock.results.map((r) => r.value as Promise<{ bytesRead: number }>),
          );
          const bytesRead = results.reduce((sum, r) => sum + r.bytesRead, 0);
          expect(bytesRead).toBe(limit);
        }
        for (const spy of whole) expect(spy).not.toHaveBeenCalled();
      } finally {
        readSpy.mockRestore();
        for (const spy of whole) spy.mockRestore();
      }
    });

    it('redacts on request, deterministically, with the redaction headers', async () => {
      writeFiles(runDir(t, runId), {
        'secrets.log': `push with ${GITHUB_TOKEN}\npassword=hunter2 and AKIAIOSFODNN7EXAMPLE\n`,
      });
      const plain = await admin(t, fileUrl(runId, 'secrets.log'));
      expect(plain.text).toContain(GITHUB_TOKEN);
      const first = await admin(t, fileUrl(runId, 'secrets.log', '&redact=true'));
      expect(first.text).toBe(
        'push with [REDACTED:github_token]\npassword=[REDACTED:secret_assignment] and [REDACTED:aws_access_key]\n',
      );
      expect(first.headers).toMatchObject({
        'x-artifact-redacted': 'true',
        'x-artifact-redaction-count': '3',
      });
      const second = await admin(t, fileUrl(runId, 'secrets.log', '&redact=true'));
      expect(Buffer.from(second.text)).toEqual(Buffer.from(first.text));
      // redact=false cannot be used to see more than the default shows; here the default is off.
      expect((await admin(t, fileUrl(runId, 'secrets.log', '&redact=false'))).text).toContain(GITHUB_TOKEN);
    });

    it.each([0, 1, 4, 10, 22, 23, 30, 39])(
      'never leaks the beginning of a secret the cap cuts through (%i bytes of it before the cap)',
      async (before) => {
        const lead = `${'a'.repeat(CAP - before - 1)} `;
        const name = `straddle-${before}.log`;
        writeFiles(runDir(t, runId), { [name]: `${lead}${GITHUB_TOKEN}\n${'tail '.repeat(50_000)}` });
        const res = await admin(t, fileUrl(runId, name, '&redact=true'));
        expect(res.status).toBe(200);
        expect(res.headers['x-artifact-truncated']).toBe('true');
        expect(Buffer.byteLength(res.text)).toBeLessThanOrEqual(CAP);
        expect(res.text.startsWith(lead)).toBe(true);
        const rest = res.text.slice(lead.length);
        expect(GITHUB_TOKEN.startsWith(rest) && rest.length > 0).toBe(false);
        expect(rest).not.toMatch(/gh|Zx9/);
        // Whatever is served after the lead is the whole marker or nothing.
        expect(['', '[REDACTED:github_token]']).toContain(
          rest.slice(0, 23).length < 23 ? rest : rest.slice(0, 23),
        );
        expect(readFileSync(join(runDir(t, runId), name), 'utf8')).toContain(GITHUB_TOKEN);
      },
    );
  });

  describe('ownership', () => {
    it('another principal gets 404 for every artifact route of a run it does not own', async () => {
      const alice = await mintApiKey(t, ['runs:read', 'runs:write'], { name: 'alice' });
      const bob = await mintApiKey(t, ['runs:read', 'runs:write'], { name: 'bob' });
      const aliceRun = await startRun(t, alice.headers);
      writeFiles(runDir(t, aliceRun), { 'notes.txt': 'ALICE-ONLY', 'shot.png': PNG });
      const paths = [
        `/runs/${aliceRun}/artifacts/index`,
        `/runs/${aliceRun}/browser/artifacts`,
        fileUrl(aliceRun, 'notes.txt'),
        fileUrl(aliceRun, 'shot.png'),
      ];
      for (const path of paths) {
        expect([path, (await request(t.http).get(path).set(alice.headers)).status]).toEqual([path, 200]);
        const theirs = await request(t.http).get(path).set(bob.headers);
        expect([path, theirs.status]).toEqual([path, 404]);
        expect(theirs.text).not.toContain('ALICE-ONLY');
        const missing = await request(t.http).get(path.replace(aliceRun, 'no-such-run')).set(bob.headers);
        expect(theirs.body.message.replace(aliceRun, 'ID')).toBe(
          missing.body.message.replace('no-such-run', 'ID'),
        );
      }
      // A viewer sees only its own runs; an operator sees all (the runs module's rule).
      const viewer = await createUser(t, { role: 'viewer' });
      const operator = await createUser(t, { role: 'operator' });
      expect((await request(t.http).get(paths[0]).set(viewer.auth)).status).toBe(404);
      expect((await request(t.http).get(paths[0]).set(operator.auth)).status).toBe(200);
    });

    it('anonymous callers are refused', async () => {
      expect((await request(t.http).get(`/runs/${runId}/artifacts/index`)).status).toBe(401);
      expect((await request(t.http).get(fileUrl(runId, 'build.log'))).status).toBe(401);
    });
  });
});
