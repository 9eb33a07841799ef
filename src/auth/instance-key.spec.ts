import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevInstanceKey, loadOrCreateDevJwtKeys } from './instance-key';

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
