#!/usr/bin/env node
// Every `uses:` in every workflow must name an action by its full commit SHA: a tag or a branch can be
// moved by whoever controls the action's repository, a commit cannot. Local actions (./...) and container
// images pinned by digest (docker://...@sha256:...) are allowed.
'use strict';
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const PINNED_ACTION = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
const PINNED_IMAGE = /^docker:\/\/[^@\s]+@sha256:[0-9a-f]{64}$/;

/** The `uses:` references of one workflow text that are not pinned, with their line numbers. */
function unpinnedUses(text) {
  const problems = [];
  text.split('\n').forEach((line, index) => {
    const match = /^\s*(?:-\s*)?(?:\{\s*)?uses:\s*(['"]?)([^'"#\s,}]+)\1/.exec(line);
    if (!match) return;
    const reference = match[2];
    if (reference.startsWith('./') || PINNED_ACTION.test(reference) || PINNED_IMAGE.test(reference)) return;
    problems.push({ line: index + 1, reference });
  });
  return problems;
}

/** Every unpinned reference in every workflow under `directory`. */
function checkWorkflows(directory) {
  // No workflows found means nothing was checked: a wrong path must not read as "all pinned".
  if (!existsSync(directory))
    return [{ file: directory, line: 0, reference: '(the workflow directory does not exist)' }];
  return readdirSync(directory)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .flatMap((name) =>
      unpinnedUses(readFileSync(join(directory, name), 'utf8')).map((problem) => ({
        file: name,
        ...problem,
      })),
    );
}

module.exports = { unpinnedUses, checkWorkflows };

if (require.main === module) {
  const directory = process.argv[2] ?? join(__dirname, '..', '..', '.github', 'workflows');
  const problems = checkWorkflows(directory);
  for (const { file, line, reference } of problems) {
    console.error(`${file}:${line}: "${reference}" is not pinned by a full commit SHA`);
  }
  if (problems.length > 0) process.exit(1);
  console.log('every workflow action is pinned by commit SHA');
}
