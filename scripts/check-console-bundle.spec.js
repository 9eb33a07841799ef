// The bundle gate must be able to fail: a secret or an oversized bundle in the built console stops CI.
'use strict';
const { spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdirSync, mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const script = join(__dirname, 'check-console-bundle.js');

function bundle(js) {
  const dir = mkdtempSync(join(tmpdir(), 'console-bundle-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/console/assets/a.js"></script>');
  writeFileSync(join(dir, 'assets', 'a.js'), js);
  return dir;
}
const check = (dir) => spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });

describe('scripts/check-console-bundle.js', () => {
  it('passes a clean bundle and prints its gzipped size', () => {
    const result = check(bundle('export const hello = "world";'));
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/console JavaScript: [\d.]+ KB gzipped \(budget 250 KB\)/);
  });

  it.each([
    ['a test secret', 'const k = "test-instance-key-0123456789abcdef";'],
    ['an API key', `const k = "apk_0123456789ab_${'A'.repeat(43)}";`],
    ['a webhook secret', `const s = "whsec_${'B'.repeat(32)}";`],
    ['a PEM block', 'const p = "-----BEGIN PRIVATE KEY-----";'],
    ['a JWT', `const t = "eyJ${'a'.repeat(20)}.eyJ${'b'.repeat(20)}.${'c'.repeat(20)}";`],
  ])('fails on %s', (_, js) => {
    const result = check(bundle(js));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/contains/);
  });

  it('fails a bundle over 250 KB gzipped', () => {
    const result = check(bundle(`const noise = "${randomBytes(300 * 1024).toString('base64')}";`));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/over the budget/);
  });
});
