import { Win32Fs } from '../../test/helpers/win32-fs';
import { parseArtifactPath } from './artifact-path';
import { isInside, openArtifact, readHead, runDirectory, walkArtifacts } from './artifact-store';

/**
 * The artifact store's real code under Windows path semantics, on any host: node:fs/promises is replaced
 * by an in-memory Windows file system (test/helpers/win32-fs.ts) that resolves every alias Windows might
 * honour — case, trailing dots and spaces, 8.3 short names, data streams, device names, `..\`. Whatever a
 * request names, nothing outside the run directory and nothing secret is ever opened.
 */
const mockFs = new Win32Fs({
  'C:\\': [
    {
      name: 'Runs',
      children: [
        {
          name: 'run-a',
          children: [
            { name: 'ok.txt', content: 'INSIDE-CONTENT', streams: { secret: 'STREAM-CONTENT' } },
            { name: 'sub', children: [{ name: 'inner.txt', content: 'INNER-CONTENT' }] },
            { name: 'server.pem', short: 'SERVER~1.PEM', content: 'PEM-SECRET' },
            {
              name: '.credentials',
              short: 'CREDEN~1',
              children: [{ name: 'token.json', content: 'TOKEN-SECRET' }],
            },
          ],
        },
        {
          name: 'run-a-evil',
          short: 'RUN-A-~1',
          children: [{ name: 'secret.txt', content: 'SIBLING-SECRET' }],
        },
        { name: 'run-b', children: [{ name: 'b.txt', content: 'OTHER-RUN-CONTENT' }] },
        { name: 'root-secret.txt', content: 'RUNS-ROOT-SECRET' },
      ],
    },
    { name: 'Windows', children: [{ name: 'win.ini', content: 'WINDOWS-INI' }] },
    { name: 'Program Files', short: 'PROGRA~1', children: [{ name: 'x.txt', content: 'PROGRAM-FILES' }] },
  ],
  '\\\\server\\share\\': [{ name: 'x.txt', content: 'SHARE-CONTENT' }],
});
// jest.mock is hoisted above mockFs: each call looks the fake up when it is made.
jest.mock('node:fs/promises', () =>
  Object.fromEntries(
    ['realpath', 'stat', 'lstat', 'readlink', 'open', 'opendir'].map((name) => [
      name,
      (...args: [string]) => mockFs.promises[name as keyof Win32Fs['promises']](...args),
    ]),
  ),
);

const RUN_DIR = 'C:\\Runs\\run-a';

/** What one request would get: 400 (refused by the path rules), 404, or the file's content. */
async function request(path: string): Promise<400 | 404 | string> {
  const segments = parseArtifactPath(path, 'win32');
  if (segments === null) return 400;
  const opened = await openArtifact(RUN_DIR, segments, 'win32');
  if (opened === null) return 404;
  const content = (await readHead(opened.handle, 1024)).toString('utf8');
  await opened.handle.close();
  return content;
}

beforeEach(() => mockFs.opened.splice(0));

describe('the fake file system resolves Windows aliases (or the proofs below would prove nothing)', () => {
  it.each([
    ['C:\\runs\\RUN-A\\OK.TXT', 'C:\\Runs\\run-a\\ok.txt'],
    ['C:\\Runs\\run-a\\ok.txt. ', 'C:\\Runs\\run-a\\ok.txt'],
    ['C:\\Runs\\run-a\\SERVER~1.PEM', 'C:\\Runs\\run-a\\server.pem'],
    ['C:\\Runs\\run-a\\server.pem::$DATA', 'C:\\Runs\\run-a\\server.pem'],
    ['C:\\Runs\\run-a\\CREDEN~1\\token.json', 'C:\\Runs\\run-a\\.credentials\\token.json'],
    ['C:\\Runs\\run-a\\ok.txt:secret', 'C:\\Runs\\run-a\\ok.txt:secret'],
    ['C:/Runs/run-a/sub/../../root-secret.txt', 'C:\\Runs\\root-secret.txt'],
    ['C:\\Runs\\run-a\\.. \\run-b\\b.txt', 'C:\\Runs\\run-b\\b.txt'],
    ['C:\\Runs\\run-a\\NUL.txt', '\\\\.\\NUL'],
    ['\\\\server\\share\\x.txt', '\\\\server\\share\\x.txt'],
  ])('%s → %s', async (path, real) => expect(await mockFs.promises.realpath(path)).toBe(real));
});

describe('artifact reads under Windows semantics', () => {
  const corpus: Array<[string, 400 | 404]> = [
    ['C:\\Windows\\win.ini', 400],
    ['C:/Windows/win.ini', 400],
    ['c:..\\root-secret.txt', 400],
    ['\\\\server\\share\\x.txt', 400],
    ['//server/share/x.txt', 400],
    ['\\\\?\\C:\\Windows\\win.ini', 400],
    ['\\\\.\\NUL', 400],
    ['..\\root-secret.txt', 400],
    ['sub/..\\..\\root-secret.txt', 400],
    ['..%5crun-b%5cb.txt', 400],
    ['OK.TXT.', 400],
    ['ok.txt ', 400],
    ['.. /root-secret.txt', 400],
    ['server.pem.', 400],
    ['server.pem::$DATA', 400],
    ['ok.txt:secret', 400],
    ['ok.txt::$DATA', 400],
    ['CREDEN~1/token.json', 400],
    ['SERVER~1.PEM', 400],
    ['PROGRA~1/x.txt', 400],
    ['RUN-A-~1/secret.txt', 400],
    ['CON', 400],
    ['NUL.txt', 400],
    ['com1.log', 400],
    ['LPT1', 400],
    ['sub/aux.json', 400],
    ['SERVER.PEM', 404],
    ['.Credentials/token.json', 404],
    ['missing.txt', 404],
    ['sub', 404],
  ];

  it.each(corpus)('%s → %s', async (path, status) => {
    expect(await request(path)).toBe(status);
    // Nothing was opened outside the run directory, nor any secret.
    for (const real of mockFs.opened) {
      expect(isInside(RUN_DIR, real, 'win32')).toBe(true);
      expect(real).not.toMatch(/server\.pem|\.credentials/i);
    }
  });

  it('serves the run’s own files, a case variant of a name included (the same file, inside)', async () => {
    expect(await request('ok.txt')).toBe('INSIDE-CONTENT');
    expect(await request('sub/inner.txt')).toBe('INNER-CONTENT');
    expect(await request('OK.txt')).toBe('INSIDE-CONTENT');
  });

  // The path rules stop these first; the store must hold on its own too (defence in depth).
  it.each([
    [['..', 'root-secret.txt']],
    [['..', 'run-b', 'b.txt']],
    [['.. ', 'run-a-evil', 'secret.txt']],
    [['SERVER~1.PEM']],
    [['server.pem.']],
    [['server.pem::$DATA']],
    [['CREDEN~1', 'token.json']],
    [['.credentials::$INDEX_ALLOCATION', 'token.json']],
    [['NUL']],
    [['con.txt']],
    [['C:', 'Windows', 'win.ini']],
  ])('the store alone refuses the segments %j', async (segments) => {
    expect(await openArtifact(RUN_DIR, segments, 'win32')).toBeNull();
    expect(mockFs.opened).toEqual([]);
  });

  it('lists the run’s files without its secrets', async () => {
    const paths: string[] = [];
    await walkArtifacts(RUN_DIR, 100, (entry) => paths.push(entry.path) > 0, 'win32');
    expect(paths).toEqual(['ok.txt', 'sub/inner.txt']);
  });
});

describe('run directories under Windows semantics', () => {
  it('finds the directory named exactly by the run id', async () =>
    expect(await runDirectory('C:\\Runs', 'run-a', 'win32')).toBe(RUN_DIR));

  it.each([
    ['a case variant (another run id on a case-insensitive disk)', 'RUN-A'],
    ['an 8.3 alias', 'RUN-A-~1'],
    ['a trailing dot', 'run-a.'],
    ['a trailing space', 'run-a '],
    ['a data stream', 'run-a::$INDEX_ALLOCATION'],
    ['a device name', 'NUL'],
    ['a drive', 'C:'],
    ['the parent', '..'],
  ])('gives %s no directory: %j', async (_name, runId) =>
    expect(await runDirectory('C:\\Runs', runId, 'win32')).toBeNull(),
  );
});
