import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itWithPosixModes } from '../../test/helpers/platform';
import { INSTANCE_KEY_FILE, loadOrCreateDevInstanceKey, loadOrCreateDevJwtKeys } from './instance-key';

const dataDir = () => join(mkdtempSync(join(tmpdir(), 'autopack-key-')), 'data dir with spaces');

describe('the development instance key file', () => {
  it('is created once, as UTF-8 text, and read back unchanged', () => {
    const dir = dataDir();
    const first = loadOrCreateDevInstanceKey(dir);
    expect(first.created).toBe(true);
    expect(readFileSync(first.file, 'utf8')).toBe(`${first.key}\n`);
    expect(loadOrCreateDevInstanceKey(dir)).toEqual({ ...first, created: false });
  });

  it('tolerates a BOM and CRLF that a Windows editor added', () => {
    const dir = dataDir();
    const { key, file } = loadOrCreateDevInstanceKey(dir);
    writeFileSync(file, `\uFEFF${key}\r\n`, 'utf8');
    expect(loadOrCreateDevInstanceKey(dir).key).toBe(key);
  });

  // POSIX file modes are what protects the key there; Windows has the data directory's ACL instead.
  itWithPosixModes('is mode 0600 on POSIX, restored on every start', () => {
    const dir = dataDir();
    const { file } = loadOrCreateDevInstanceKey(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    loadOrCreateDevInstanceKey(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  itWithPosixModes('relies on no POSIX mode under Windows rules (chmod is not called there)', () => {
    const dir = dataDir();
    const { file } = loadOrCreateDevInstanceKey(dir);
    chmodSync(file, 0o644);
    loadOrCreateDevInstanceKey(dir, 'win32');
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('keeps a key another process wrote first instead of overwriting it', () => {
    const dir = dataDir();
    loadOrCreateDevInstanceKey(dir);
    writeFileSync(join(dir, INSTANCE_KEY_FILE), 'apk_dev_written_by_the_other_server\n', 'utf8');
    expect(loadOrCreateDevInstanceKey(dir).key).toBe('apk_dev_written_by_the_other_server');
  });
});

describe('development keys in the data directory', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'autopack-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates each key once (mode 0600), then reads it back, leaving no temporary file', () => {
    const first = loadOrCreateDevInstanceKey(dir);
    expect(first.created).toBe(true);
    expect(loadOrCreateDevInstanceKey(dir)).toEqual({ ...first, created: false });
    const jwt = loadOrCreateDevJwtKeys(dir);
    expect(loadOrCreateDevJwtKeys(dir)).toEqual(jwt);
    expect(jwt.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['instance-api-key', 'jwt-dev-private-key.pem']);
  });

  it('replicas starting together on one directory end up with the same keys', async () => {
    const one = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            '-r',
            'ts-node/register/transpile-only',
            '-e',
            `const k = require(${JSON.stringify(join(__dirname, 'instance-key.ts'))});
             process.stdout.write(k.loadOrCreateDevInstanceKey(process.argv[1]).key + k.loadOrCreateDevJwtKeys(process.argv[1]).publicKey);`,
            dir,
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const results = await Promise.all(Array.from({ length: 6 }, one));
    expect(new Set(results).size).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['instance-api-key', 'jwt-dev-private-key.pem']);
  }, 60_000);
});
