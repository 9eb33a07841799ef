// How the project's scripts start other programs so that the same call works on Linux, macOS and Windows.
//
// On Windows `npm` and `npx` are `.cmd` shims, and since Node 18.20.2/20.12.2 (CVE-2024-27980) spawning a
// `.cmd` without `shell: true` throws EINVAL, while `shell: true` hands the arguments to cmd.exe, which
// splits paths with spaces and expands `%…%`. Neither is needed: every tool we start is a JavaScript file,
// so we run it with the Node that runs us (`process.execPath`), arguments passed as an array, no shell.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const ROOT = join(__dirname, '..', '..');

/**
 * The JavaScript file behind a package's command (`bin` in its package.json), resolved from the project:
 * `nodeBin('@nestjs/cli', 'nest')` → `…/node_modules/@nestjs/cli/bin/nest.js`.
 */
function nodeBin(packageName, command = packageName) {
  const manifest = require.resolve(`${packageName}/package.json`, { paths: [ROOT] });
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
  const relative = typeof bin === 'string' ? bin : bin?.[command];
  if (!relative) throw new Error(`${packageName} declares no "${command}" command`);
  return join(dirname(manifest), relative);
}

/**
 * npm's own CLI script, to run as `[process.execPath, npmCli(), ...args]`: the one that runs this script
 * when npm started us (`npm_execpath`), else the one installed beside this Node (Windows:
 * `<node dir>\node_modules\npm`; elsewhere `<prefix>/lib/node_modules/npm`).
 */
function npmCli(env = process.env, execPath = process.execPath) {
  const candidates = [
    env.npm_execpath && /npm-cli\.c?js$/.test(env.npm_execpath) ? env.npm_execpath : undefined,
    join(dirname(execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    join(dirname(execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ].filter(Boolean);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`cannot find npm's CLI script (looked at ${candidates.join(', ')})`);
  return found;
}

module.exports = { nodeBin, npmCli };
