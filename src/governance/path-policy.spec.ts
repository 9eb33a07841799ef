import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/load-config';
import { InvalidPathError, loadPathPolicy, PathPolicyEngine } from './path-policy';

const engine = new PathPolicyEngine(loadPathPolicy(join(PROJECT_ROOT, 'config', 'governance-policy.yaml')));

describe('path policy (config/governance-policy.yaml)', () => {
  it.each([
    // [requested path, normalized, decision, rule]
    ['./docs/a.md', 'docs/a.md', 'never_auto_approve', 'docs/**'],
    ['docs//a', 'docs/a', 'never_auto_approve', 'docs/**'],
    ['scripts/../src/x.ts', 'src/x.ts', 'never_auto_approve', 'src/**'],
    ['Docs/A.md', 'Docs/A.md', 'never_auto_approve', 'docs/**'],
    ['SRC/main.ts', 'SRC/main.ts', 'never_auto_approve', 'src/**'],
    ['scripts/.env.local', 'scripts/.env.local', 'never_auto_approve', '**/.env*'],
    ['examples/keys/server.pem', 'examples/keys/server.pem', 'never_auto_approve', '**/*.pem'],
    [
      'scripts/db/migrations/001.sql',
      'scripts/db/migrations/001.sql',
      'never_auto_approve',
      '**/migrations/**',
    ],
    [
      'examples/.credentials/token.json',
      'examples/.credentials/token.json',
      'never_auto_approve',
      '**/.credentials/**',
    ],
    ['.github/workflows/ci.yml', '.github/workflows/ci.yml', 'never_auto_approve', '.github/**'],
    ['test\\unit\\a.spec.ts', 'test/unit/a.spec.ts', 'never_auto_approve', 'test/**'],
    ['examples/demo/main.py', 'examples/demo/main.py', 'auto_approve', 'examples/**'],
    ['scripts/build.sh', 'scripts/build.sh', 'auto_approve', 'scripts/**'],
    ['./scripts//tools/x.js', 'scripts/tools/x.js', 'auto_approve', 'scripts/**'],
    // Auto-approval is case-sensitive: on a case-sensitive disk SCRIPTS/ is another directory.
    ['SCRIPTS/x', 'SCRIPTS/x', 'requires_approval', 'default-deny'],
    ['README.md', 'README.md', 'requires_approval', 'default-deny'],
    ['package.json', 'package.json', 'requires_approval', 'default-deny'],
  ])('%j → %s', (path, normalized, decision, rule) => {
    expect(engine.decide(path)).toEqual({ path, normalized, decision, rule });
  });

  it.each([
    ['..\\src\\x', /escapes/],
    ['../outside', /escapes/],
    ['scripts/../../x', /escapes/],
    ['/etc/passwd', /absolute/],
    ['C:/Windows/x', /absolute/],
    ['c:relative', /absolute/],
    ['\\\\server\\share\\x', /absolute/],
    ['', /empty/],
    ['   ', /empty/],
    ['.', /root/],
    ['scripts/..', /root/],
    ['scripts/a\0b', /NUL/],
  ])('refuses %j', (path, why) => {
    expect(() => engine.decide(path)).toThrow(InvalidPathError);
    expect(() => engine.decide(path)).toThrow(why);
  });
});

describe('loadPathPolicy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'autopack-policy-'));
  const write = (text: string) => {
    const file = join(dir, `p${Math.random()}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  const valid = `never_auto_approve:\n  - pattern: 'src/**'\n    reason: code\nauto_approve:\n  - pattern: 'scripts/**'\n    reason: scripts\n`;

  it('loads a valid policy', () => {
    expect(loadPathPolicy(write(valid)).autoApprove).toEqual([{ pattern: 'scripts/**', reason: 'scripts' }]);
  });

  it.each([
    ['never_auto_approve: [', /is not valid YAML/],
    ['- a\n- b\n', /unknown key|must be/],
    [valid + 'extra: 1\n', /unknown key "extra"/],
    [`auto_approve:\n  - pattern: 'x/**'\n    reason: r\n`, /never_auto_approve must be a non-empty list/],
    [valid.replace('reason: code', "reason: ''"), /never_auto_approve\[0\]\.reason/],
    [valid.replace("'src/**'", "'/abs/**'"), /repository-relative/],
    [valid.replace('reason: scripts', 'reason: scripts\n    tier: C'), /unknown key "tier"/],
  ])('refuses an invalid policy (%#) with a clear message', (text, message) => {
    expect(() => loadPathPolicy(write(text))).toThrow(message);
  });

  it('refuses a missing file', () => {
    expect(() => loadPathPolicy(join(dir, 'missing.yaml'))).toThrow(/cannot be read/);
  });
});
