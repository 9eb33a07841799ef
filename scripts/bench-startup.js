#!/usr/bin/env node
// Time from `npm start` to the first 200 from GET /health, cold (empty data directory: initdb runs)
// and warm (the data directory exists). Median of RUNS each. Usage: npm run bench:startup [-- RUNS]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, chmodSync, rmSync } = require('node:fs');
const { tmpdir, cpus, totalmem } = require('node:os');
const { join } = require('node:path');
const { npmCli } = require('./lib/portable-spawn');

const RUNS = Number(process.argv[2] ?? 5);
const TIMEOUT_MS = 120_000;

async function waitForHealth(port, started) {
  for (;;) {
    if (Date.now() - started > TIMEOUT_MS) throw new Error('server did not become healthy in time');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startOnce(dataDir, port, pgPort) {
  const started = Date.now();
  // npm's own CLI script under this Node: a bare `npm` is a .cmd shim on Windows (lib/portable-spawn.js).
  const child = spawn(process.execPath, [npmCli(), 'start', '--silent'], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, PORT: String(port), AUTOPACK_DATA_DIR: dataDir, AUTOPACK_EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
    // Its own process group on POSIX, so one signal reaches npm and the server under it.
    detached: process.platform !== 'win32',
  });
  try {
    return await waitForHealth(port, started);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    stopTree(child);
    await exited;
  }
}

/**
 * SIGINT to the process group lets the server stop its PostgreSQL. Windows has neither signals nor process
 * groups (`kill('SIGINT')` would end npm alone), so end the whole tree there with taskkill.
 */
function stopTree(child) {
  if (process.platform === 'win32') spawnSync('taskkill', ['/pid', String(child.pid), '/t', '/f']);
  else process.kill(-child.pid, 'SIGINT');
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const pgPort = 19000 + Math.floor(Math.random() * 1000);
  const cold = [];
  const warm = [];
  for (let i = 0; i < RUNS; i++) {
    const parent = mkdtempSync(join(tmpdir(), 'autopack-bench-'));
    chmodSync(parent, 0o755);
    cold.push(await startOnce(join(parent, 'data'), port, pgPort));
    warm.push(await startOnce(join(parent, 'data'), port, pgPort));
    rmSync(parent, { recursive: true, force: true });
  }
  console.log(`machine: ${cpus().length} cores (${cpus()[0].model}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(`cold start ms: ${cold.join(', ')} -> median ${median(cold)}`);
  console.log(`warm start ms: ${warm.join(', ')} -> median ${median(warm)}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
