#!/usr/bin/env node
// Checks docs/READINESS.md against its evidence: every linked file exists, every quoted test name is a
// test (or describe) title in that file, and no gate claims more than its evidence supports. Recomputes
// the total. Exit 1 with one line per problem.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');

const ROOT = join(__dirname, '..');
const GATES = [
  'G1 Auth & exposure',
  'G2 Governance & approvals',
  'G3 External side effects',
  'G4 Secrets & persistence',
  'G5 Artifact boundary',
  'G6 Deployment invariants',
  'G7 Observability correctness',
  'G8 Documentation convergence',
];
/** The files `npm test` runs (jest.config.js): a test that never runs proves nothing. */
const TEST_FILE = /^(src\/.+\.spec\.ts|scripts\/.+\.spec\.js|test\/.+\.e2e-spec\.ts)$/;
const EVIDENCE_LINE = /^- (test|doc|code|ci) \[([^\]]+)\]\(([^)\s]+)\)(.*)$/;

/** The gates as the document states them. */
function parseReadiness(text) {
  const summary = new Map();
  for (const match of text.matchAll(/^\| (G\d [^|]+?) \| (\d) \|/gm)) summary.set(match[1], Number(match[2]));
  const total = /^\| \*\*Total\*\* \| \*\*(\d+)\/16\*\* \|/m.exec(text);
  const ready = /^\*\*Ready:\*\* (yes|no)\b/m.exec(text);
  const sections = text.split(/^## /m).slice(1);
  const gates = sections
    .filter((section) => /^G\d /.test(section))
    .map((section) => {
      const name = section.split('\n', 1)[0].trim();
      const score = /^\*\*Score: (\d)\/2\*\*/m.exec(section);
      const criteria = /^\*\*Exit criteria\*\*[^:]*:\s*(.+)$/m.exec(section);
      const exceptions = /^\*\*Known exceptions:\*\*\s*(.+)$/m.exec(section);
      const evidence = section
        .split('\n')
        .map((line) => EVIDENCE_LINE.exec(line))
        .filter(Boolean)
        .map(([, kind, label, target, rest]) => ({
          kind,
          label,
          target,
          names: [...rest.matchAll(/"([^"]+)"/g)].map((m) => m[1]),
        }));
      return {
        name,
        score: score ? Number(score[1]) : undefined,
        criteria: criteria?.[1].trim(),
        exceptions: exceptions?.[1].trim(),
        evidence,
      };
    });
  return {
    summary,
    total: total ? Number(total[1]) : undefined,
    ready: ready?.[1],
    gates,
  };
}

/** True when `name` opens the title of a describe/it/test call in `source` that is not skipped. */
function hasTestTitled(source, name) {
  for (const quote of ["'", '"', '`']) {
    let at = source.indexOf(quote + name);
    while (at !== -1) {
      const before = source.slice(Math.max(0, at - 4000), at).trimEnd();
      const call = /\b(describe|it|test)((?:\.each(?:\([\s\S]*\)|`[\s\S]*`))?)\($/.exec(before);
      if (call) return true;
      at = source.indexOf(quote + name, at + 1);
    }
  }
  return false;
}

/** Every problem with the document: missing evidence, over-claimed scores, a wrong total. */
function checkReadiness(text, documentPath, root = ROOT) {
  const problems = [];
  const doc = parseReadiness(text);
  const names = doc.gates.map((gate) => gate.name);
  if (JSON.stringify(names) !== JSON.stringify(GATES)) {
    problems.push(`the gates must be, in order: ${GATES.join('; ')} (found: ${names.join('; ') || 'none'})`);
  }
  let computed = 0;
  for (const gate of doc.gates) {
    const where = gate.name;
    if (gate.score === undefined || gate.score > 2) {
      problems.push(`${where}: no "**Score: N/2**" line`);
      continue;
    }
    computed += gate.score;
    if (!gate.criteria) problems.push(`${where}: no "**Exit criteria**" line`);
    if (!gate.exceptions)
      problems.push(`${where}: no "**Known exceptions:**" line (write "none." if there are none)`);
    if (doc.summary.get(gate.name) !== gate.score) {
      problems.push(
        `${where}: the summary table says ${doc.summary.get(gate.name)}, the section says ${gate.score}`,
      );
    }
    for (const item of gate.evidence) problems.push(...checkEvidence(item, where, documentPath, root));
    const tests = gate.evidence.filter((item) => item.kind === 'test');
    const docs = gate.evidence.filter((item) => item.kind === 'doc');
    if (gate.score >= 1 && gate.evidence.length === 0)
      problems.push(`${where}: scores ${gate.score} with no evidence`);
    if (gate.score === 2) {
      if (tests.length === 0) problems.push(`${where}: scores 2 without a test that proves it`);
      if (docs.length === 0) problems.push(`${where}: scores 2 without a doc that states it`);
      if (gate.exceptions && !/^none\b/i.test(gate.exceptions)) {
        problems.push(`${where}: scores 2 but lists known exceptions (a gate with a known exception is 1)`);
      }
    }
  }
  if (doc.total !== computed)
    problems.push(`the total says ${doc.total}/16, the gates add up to ${computed}/16`);
  const ready = computed === 16 ? 'yes' : 'no';
  if (doc.ready !== ready)
    problems.push(`"**Ready:** ${doc.ready}" but the gates add up to ${computed}/16 (ready only at 16/16)`);
  return { problems, total: computed };
}

function checkEvidence(item, where, documentPath, root) {
  const file = resolve(dirname(documentPath), item.target.split('#')[0]);
  const path = relative(root, file).split('\\').join('/');
  const problems = [];
  if (item.label !== path)
    problems.push(`${where}: link text "${item.label}" does not name its target ${path}`);
  if (!existsSync(file)) return [...problems, `${where}: ${path} does not exist`];
  const source = readFileSync(file, 'utf8');
  if (item.kind === 'test') {
    if (!TEST_FILE.test(path)) problems.push(`${where}: ${path} is not a file npm test runs`);
    if (item.names.length === 0) problems.push(`${where}: cite the tests in ${path} by name`);
    // A skipped describe may enclose any cited test; a conditional skip (`nginx ? describe : describe.skip`)
    // is not a call here and stays allowed (CI provides what it needs).
    if (/\b(?:describe\.skip|xdescribe)\s*\(/.test(source)) {
      problems.push(`${where}: ${path} skips a describe block; its tests prove nothing`);
    }
    for (const name of item.names) {
      if (!hasTestTitled(source, name)) problems.push(`${where}: ${path} has no test named "${name}"`);
    }
  } else {
    for (const name of item.names) {
      if (!source.includes(name)) problems.push(`${where}: ${path} does not contain "${name}"`);
    }
  }
  return problems;
}

module.exports = { parseReadiness, checkReadiness, hasTestTitled, GATES };

if (require.main === module) {
  const documentPath = resolve(process.argv[2] ?? join(ROOT, 'docs', 'READINESS.md'));
  const { problems, total } = checkReadiness(readFileSync(documentPath, 'utf8'), documentPath);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`readiness: ${problems.length} problems in ${relative(ROOT, documentPath)}`);
    process.exit(1);
  }
  console.log(`readiness: ${total}/16, every claim backed by its evidence`);
}
