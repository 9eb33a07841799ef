#!/usr/bin/env node
// The operator console's bundle gate (run by .ci/run after `npm run build`; docs/PERFORMANCE.md):
//  1. the built JavaScript is at most 250 KB gzipped (the figure is printed, for the performance notes);
//  2. no secret is in any file under dist/console: none of the values the tests use (the instance key,
//     the console tests' password) and nothing shaped like a credential (an Autopack API key, a webhook
//     secret, a PEM block, a JWT). The console signs in at run time; nothing secret is built into it.
'use strict';
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const { gzipSync } = require('node:zlib');

const root = join(__dirname, '..');
// The built console; a test passes another directory.
const dist = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist', 'console');
const BUDGET_BYTES = 250 * 1024;

/** Values the test suites use as secrets (test/helpers/app.ts TEST_INSTANCE_KEY, test/console/browser.ts). */
const KNOWN_TEST_SECRETS = ['test-instance-key-0123456789abcdef', 'console-test-password'];
const SHAPES = [
  // Stored API keys (src/auth/api-keys/api-key-secret.ts): apk_<12 hex>_<43 base64url>.
  { name: 'Autopack API key', pattern: /\bapk_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/ },
  { name: 'webhook signing secret', pattern: /\bwhsec_[A-Za-z0-9+/=]{16,}/ },
  { name: 'PEM block', pattern: /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/ },
  { name: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
];

function files(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function main() {
  if (!existsSync(join(dist, 'index.html'))) {
    process.stderr.write('dist/console is not built: run `npm run build` first\n');
    process.exit(1);
  }
  const problems = [];
  let gzipped = 0;
  for (const file of files(dist)) {
    const content = readFileSync(file);
    const name = relative(root, file);
    if (file.endsWith('.js')) gzipped += gzipSync(content, { level: 9 }).length;
    const text = content.toString('utf8');
    for (const secret of KNOWN_TEST_SECRETS) {
      if (text.includes(secret)) problems.push(`${name}: contains a test secret`);
    }
    for (const { name: shape, pattern } of SHAPES) {
      if (pattern.test(text)) problems.push(`${name}: contains something shaped like a ${shape}`);
    }
  }
  const kb = (gzipped / 1024).toFixed(1);
  process.stdout.write(`console JavaScript: ${kb} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)\n`);
  if (gzipped > BUDGET_BYTES) problems.push(`the console's JavaScript is ${kb} KB gzipped, over the budget`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write('no secret found in dist/console\n');
}

main();
