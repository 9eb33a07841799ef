#!/usr/bin/env node
// `npm start`: build (server and console) only when the sources are newer than the last build, then run the server in this
// process (so Ctrl-C and SIGTERM reach its shutdown handlers). A fresh clone always builds.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { newestMtime } = require('./lib/newest-mtime');
const { nodeBin } = require('./lib/portable-spawn');

const root = join(__dirname, '..');
const built = join(root, 'dist', 'main.js');
const builtConsole = join(root, 'dist', 'console', 'index.html');
// Written after every successful build here: tsc leaves unchanged outputs (and their mtimes) alone.
const stamp = join(root, 'dist', '.start-build-stamp');

// console/ too: a fresh clone's `npm ci && npm start` serves the operator console (dist/console).
const inputs = [
  'src',
  'console',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];
const stale =
  !existsSync(built) ||
  !existsSync(builtConsole) ||
  !existsSync(stamp) ||
  Math.max(...inputs.map((input) => newestMtime(join(root, input)))) > statSync(stamp).mtimeMs;

if (stale) {
  // The Nest CLI's own script under this Node: no npx shim, no shell (see scripts/lib/portable-spawn.js).
  const build = spawnSync(process.execPath, [nodeBin('@nestjs/cli', 'nest'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const consoleBuild = spawnSync(
    process.execPath,
    [nodeBin('vite', 'vite'), 'build', '--config', join('console', 'vite.config.mts'), '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
  if (consoleBuild.status !== 0) process.exit(consoleBuild.status ?? 1);
  writeFileSync(stamp, `${new Date().toISOString()}\n`, 'utf8');
}
require(built);
