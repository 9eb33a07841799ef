import { isSafeDirectoryName, isSecretBearing, parseArtifactPath, type PathPlatform } from './artifact-path';
import { isInside } from './artifact-store';

/**
 * The artifact path rules under both naming systems, run here on any host: the decision table of
 * docs/CANONICAL_API_CONTRACT.md ("Windows path semantics"). `everywhere` shapes never name a legitimate file on any
 * platform; `win32` shapes are plain names on POSIX but aliases or devices on Windows.
 */
const REFUSED_EVERYWHERE: Array<[string, string]> = [
  ['drive, backslashes', 'C:\\Windows\\win.ini'],
  ['drive, slashes', 'C:/Windows/win.ini'],
  ['drive-relative', 'c:boot.ini'],
  ['UNC', '\\\\server\\share\\x'],
  ['UNC with slashes', '//server/share/x'],
  ['\\\\?\\ (no normalisation) prefix', '\\\\?\\C:\\Windows\\win.ini'],
  ['\\\\?\\ with slashes', '//?/C:/Windows/win.ini'],
  ['\\\\?\\UNC prefix', '\\\\?\\UNC\\server\\share\\x'],
  ['\\\\.\\ device prefix', '\\\\.\\COM1'],
  ['\\\\.\\ with slashes', '//./NUL'],
  ['..\\ parent', '..\\root-secret.txt'],
  ['mixed separators', 'sub/..\\..\\root-secret.txt'],
  ['backslash inside a name', 'sub\\ok.txt'],
  ['encoded backslash', 'sub%5c..%5c..%5cx'],
  ['default data stream', 'ok.txt::$DATA'],
  ['directory index stream', '.credentials::$INDEX_ALLOCATION/token.json'],
  ['named index stream', 'sub:$I30:$INDEX_ALLOCATION/inner.txt'],
  ['encoded data stream', 'ok.txt%3A%3A%24DATA'],
  ['fullwidth data stream', 'ok.txt：：$DATA'],
];

const REFUSED_ON_WINDOWS: Array<[string, string]> = [
  ['named alternate data stream', 'ok.txt:secret'],
  ['a drive-like later segment', 'sub/C:/x'],
  ['a colon (timestamps are plain names on POSIX)', 'build-2026-01-01T10:00:00Z.log'],
  ['trailing dot', 'ok.txt.'],
  ['trailing dots', 'ok.txt...'],
  ['trailing space', 'ok.txt '],
  ['trailing dot and space', 'server.pem. '],
  ['trailing dot on a directory', 'sub./inner.txt'],
  ['three dots', '...'],
  ['CON', 'CON'],
  ['con, lower case', 'con'],
  ['NUL with an extension', 'NUL.txt'],
  ['nul with two extensions', 'nul.tar.gz'],
  ['COM1', 'COM1'],
  ['com9 with an extension', 'com9.log'],
  ['COM superscript one', 'COM¹'],
  ['LPT1', 'LPT1'],
  ['lpt3 with an extension', 'lpt3.txt'],
  ['AUX', 'AUX'],
  ['PRN with an extension', 'PRN.md'],
  ['CONIN$', 'CONIN$'],
  ['CONOUT$', 'conout$'],
  ['device name, space before the extension', 'CON .txt'],
  ['device name deeper down', 'logs/NUL'],
  ['8.3 short name of a directory', 'PROGRA~1/x'],
  ['8.3 short name of a secret', 'SERVER~1.PEM'],
  ['less-than', 'a<b'],
  ['greater-than', 'a>b'],
  ['pipe', 'a|b'],
  ['double quote', 'a"b'],
  ['question mark', 'a?b'],
  ['asterisk', 'a*b'],
  ['encoded colon', 'ok.txt%3Asecret'],
];

const ACCEPTED_EVERYWHERE = [
  'ok.txt',
  'logs/build.log',
  'console.log',
  'com10.txt',
  'nullable.txt',
  'auxiliary/x.json',
  'conference.md',
  'backup~.txt',
  'x..y',
  '.hidden',
  'name with spaces.txt',
];

describe.each<PathPlatform>(['posix', 'win32'])('parseArtifactPath under %s rules', (platform) => {
  it.each(REFUSED_EVERYWHERE)('refuses %s: %s', (_name, path) =>
    expect(parseArtifactPath(path, platform)).toBeNull(),
  );
  it.each(ACCEPTED_EVERYWHERE)('accepts %s', (path) =>
    expect(parseArtifactPath(path, platform)).toEqual(path.split('/')),
  );
});

describe('Windows-only shapes', () => {
  it.each(REFUSED_ON_WINDOWS)('win32 refuses %s: %s', (_name, path) =>
    expect(parseArtifactPath(path, 'win32')).toBeNull(),
  );
  // On POSIX these are plain names of files inside the run directory; no device or stream is reachable.
  it.each(REFUSED_ON_WINDOWS.filter(([, path]) => !path.includes('%')))(
    'posix reads %s as a plain name: %s',
    (_name, path) => expect(parseArtifactPath(path, 'posix')).toEqual(path.split('/')),
  );
});

describe('secret-bearing names, as Windows would open them, on every platform', () => {
  it.each([
    'server.pem.',
    'server.pem ',
    'server.pem. .',
    'server.pem::$DATA',
    'server.pem:x',
    'SERVER.PEM:hidden:$DATA',
    '.env.',
    '.ENV::$DATA',
    '.credentials::$INDEX_ALLOCATION/token.json',
    '.credentials./token.json',
    'tls/Server.KEY:stream',
    'ID_RSA.',
  ])('refuses %s', (path) => expect(isSecretBearing(path.split('/'))).toBe(true));
  it.each(['ok.txt:secret', 'server.pem.txt', 'keys.txt.', 'build-10:00:00.log'])('allows %s', (path) =>
    expect(isSecretBearing(path.split('/'))).toBe(false),
  );
});

describe('run ids as directory names', () => {
  it.each(['run.', 'run ', 'CON', 'nul.txt', 'c:', 'a:b', 'RUN~1', 'a*b'])(
    'win32 gives %j no artifact directory',
    (name) => expect(isSafeDirectoryName(name, 'win32')).toBe(false),
  );
  it.each(['run.', 'CON', 'a:b', 'RUN~1'])('posix reads %j as a plain directory name', (name) =>
    expect(isSafeDirectoryName(name, 'posix')).toBe(true),
  );
  it.each<PathPlatform>(['posix', 'win32'])('%s refuses a stream type and a backslash', (platform) => {
    expect(isSafeDirectoryName('run::$DATA', platform)).toBe(false);
    expect(isSafeDirectoryName('run\\x', platform)).toBe(false);
    expect(isSafeDirectoryName('run-1', platform)).toBe(true);
  });
});

describe('isInside under win32 rules', () => {
  const root = 'C:\\Runs\\run-a';
  it.each([['C:\\Runs\\run-a\\ok.txt'], ['c:\\runs\\RUN-A\\ok.txt'], ['C:\\Runs\\run-a\\sub\\inner.txt']])(
    'holds %s',
    (candidate) => expect(isInside(root, candidate, 'win32')).toBe(true),
  );
  it.each([
    ['the run directory itself', 'C:\\Runs\\run-a'],
    ['a sibling sharing the prefix', 'C:\\Runs\\run-a-evil\\secret.txt'],
    ['the runs root', 'C:\\Runs\\root-secret.txt'],
    ['another drive', 'D:\\Runs\\run-a\\ok.txt'],
    ['the \\\\?\\ namespace', '\\\\?\\C:\\Runs\\run-a\\ok.txt'],
    ['a device', '\\\\.\\NUL'],
    ['a share', '\\\\server\\share\\Runs\\run-a\\ok.txt'],
    ['forward slashes (not a real Windows path)', 'C:/Runs/run-a/ok.txt'],
  ])('refuses %s', (_name, candidate) => expect(isInside(root, candidate, 'win32')).toBe(false));
  it('a drive root holds its files', () => expect(isInside('C:\\', 'C:\\x.txt', 'win32')).toBe(true));
  it('posix stays case-sensitive', () =>
    expect(isInside('/runs/run-a', '/runs/RUN-A/x', 'posix')).toBe(false));
});
