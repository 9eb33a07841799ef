import { isSafeDirectoryName, isSecretBearing, parseArtifactPath } from './artifact-path';

describe('parseArtifactPath', () => {
  it.each([
    'build.log',
    'logs/build.log',
    'a/b/c/d.txt',
    '.hidden',
    'x..y',
    '...',
    'name with spaces.txt',
    '100%.txt',
  ])('accepts %s', (path) => expect(parseArtifactPath(path)).toEqual(path.split('/')));

  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['parent', '../etc/passwd'],
    ['inner parent', 'a/../../b'],
    ['inner dot', 'a/./b'],
    ['trailing slash', 'a/'],
    ['double slash', 'a//b'],
    ['absolute', '/etc/passwd'],
    ['drive letter', 'C:/Windows/win.ini'],
    ['drive letter, relative', 'c:boot.ini'],
    ['backslash', '..\\etc'],
    ['UNC', '\\\\server\\share'],
    ['NUL', 'a\u0000.txt'],
    ['control character', 'a\nb'],
    ['encoded dot-dot', '%2e%2e/etc'],
    ['encoded slash', '..%2fetc'],
    ['double encoded', '%252e%252e%252fetc'],
    ['triple encoded', '%25252e%25252e/x'],
    ['encoded backslash', '..%5cetc'],
    ['encoded NUL', 'a%00.txt'],
    ['fullwidth dots', '．．/etc'],
    ['fullwidth solidus', '．．／etc'],
    ['not a string', ['a', 'b']],
    ['too long', 'a/'.repeat(3000)],
    ['segment too long', 'x'.repeat(256)],
  ])('refuses %s', (_name, path) => expect(parseArtifactPath(path)).toBeNull());
});

describe('isSafeDirectoryName', () => {
  it.each(['run-1', 'run.2026', '..x'])('accepts %s', (name) => expect(isSafeDirectoryName(name)).toBe(true));
  it.each(['', '.', '..', 'a/b', 'a\\b', 'a\u0000', 'x'.repeat(256)])('refuses %j', (name) =>
    expect(isSafeDirectoryName(name)).toBe(false),
  );
});

describe('isSecretBearing', () => {
  it.each([
    '.credentials/token.json',
    'deep/.credentials/x',
    '.env',
    '.env.production',
    'server.pem',
    'tls/Server.KEY',
    'id_rsa',
    'ssh/id_rsa.pub',
  ])('refuses %s', (path) => expect(isSecretBearing(path.split('/'))).toBe(true));
  it.each(['build.log', 'environment.txt', 'keys.txt', 'my.env.txt', 'credentials.md', 'monkey.json'])(
    'allows %s',
    (path) => expect(isSecretBearing(path.split('/'))).toBe(false),
  );
});
