// Windows stays a supported platform: every npm script must run under cmd.exe, and the project's own code
// starts tools in a way that works there too (scripts/lib/portable-spawn.js).
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { checkPackageScripts, posixOnlyConstructs } = require('./lib/portable-scripts');
const { nodeBin, npmCli } = require('./lib/portable-spawn');

const ROOT = join(__dirname, '..');

describe('package.json scripts run under Windows cmd.exe', () => {
  it('the repository’s package.json has no POSIX-only construct', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(checkPackageScripts(manifest)).toEqual([]);
  });

  it.each([
    ['an environment assignment', 'FUZZ_RUNS=2000 jest --ci test/security/contract-fuzz'],
    ['an assignment after &&', 'nest build && NODE_ENV=production node dist/main.js'],
    ['rm -rf', 'rm -rf dist && nest build'],
    ['mkdir -p', 'mkdir -p .data'],
    ['cp', 'cp config/a.yaml dist/'],
    ['single-quoted glob', "eslint '{src,test}/**/*.ts'"],
    ['unquoted glob', 'prettier --write src/**/*.ts'],
    ['$VAR', 'node dist/main.js --port $PORT'],
    ['$(…)', 'echo $(date)'],
    ['backticks', 'echo `date`'],
    ['; separator', 'nest build; node dist/main.js'],
    ['lone &', 'node dist/main.js & node dist/worker.js'],
    ['/dev/null', 'nest build > /dev/null'],
    ['a shell script', 'bash .ci/run'],
    ['./x.sh', './scripts/setup.sh'],
    ['export', 'export FOO=1 && jest'],
    ['env', 'env FOO=1 jest'],
    ['home directory', 'node ~/tool.js'],
  ])('refuses %s', (_name, command) => {
    expect(posixOnlyConstructs(command)).not.toEqual([]);
    expect(checkPackageScripts({ scripts: { x: command } })[0]).toMatch(/^x: /);
  });

  it.each([
    'eslint "{src,test}/**/*.ts"',
    'nest build && node dist/cli/contract.js check',
    'jest --ci --selectProjects unit',
    'node scripts/fuzz.js',
    'cross-env FUZZ_RUNS=2000 jest',
    'nest build && node -r ts-node/register/transpile-only scripts/bench-audit.ts',
  ])('accepts %s', (command) => expect(posixOnlyConstructs(command)).toEqual([]));
});

describe('child processes are started portably', () => {
  /** Project source files (not node_modules, not build output). */
  function sources(dir) {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sources(path);
      return /\.(ts|js|mjs|cjs)$/.test(name) && !name.endsWith('.spec.js') ? [path] : [];
    });
  }

  it('nothing spawns npm or npx by name (a .cmd shim on Windows that spawn cannot start without a shell)', () => {
    const offenders = ['src', 'scripts', 'test']
      .flatMap((dir) => sources(join(ROOT, dir)))
      .filter((file) =>
        /\b(spawn|spawnSync|execFile|execFileSync|exec|execSync)\(\s*['"`](npm|npx)(\.cmd)?\b/.test(
          readFileSync(file, 'utf8'),
        ),
      )
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('resolves the tools to JavaScript files run by this Node', () => {
    expect(nodeBin('@nestjs/cli', 'nest')).toMatch(/[\\/]@nestjs[\\/]cli[\\/].+\.js$/);
    expect(() => nodeBin('@nestjs/cli', 'no-such-command')).toThrow(/declares no "no-such-command"/);
    expect(npmCli()).toMatch(/npm-cli\.c?js$/);
  });

  it('finds npm beside node.exe the way a Windows install lays it out', () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = require('node:fs');
    const nodeDir = mkdtempSync(join(require('node:os').tmpdir(), 'autopack-node dir with spaces-'));
    const cli = join(nodeDir, 'node_modules', 'npm', 'bin', 'npm-cli.js');
    mkdirSync(join(nodeDir, 'node_modules', 'npm', 'bin'), { recursive: true });
    writeFileSync(cli, '');
    expect(npmCli({}, join(nodeDir, 'node.exe'))).toBe(cli);
    expect(() => npmCli({}, join(nodeDir, 'elsewhere', 'node.exe'))).toThrow(/cannot find npm/);
  });
});
