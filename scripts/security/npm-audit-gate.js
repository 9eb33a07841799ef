#!/usr/bin/env node
// Compares `npm audit --json` with the committed baseline (security/npm-audit-baseline.json) and fails
// when a high or critical advisory appears that the baseline does not list. Reviewed, accepted advisories
// live in the baseline with the reason they are accepted; the gate also names entries that no longer
// apply so the baseline shrinks as dependencies are upgraded.
//
//   node scripts/security/npm-audit-gate.js                 runs npm audit itself
//   node scripts/security/npm-audit-gate.js report.json     reads a saved `npm audit --json` report
//   node scripts/security/npm-audit-gate.js --write-baseline   lists today's high/critical advisories
'use strict';
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { npmCli } = require('../lib/portable-spawn');

const BASELINE = join(__dirname, '..', '..', 'security', 'npm-audit-baseline.json');
const GATED_SEVERITIES = new Set(['high', 'critical']);

/** The high and critical advisories of an npm audit (v2 report), one per advisory and package. */
function gatedAdvisories(report) {
  if (!report || typeof report !== 'object' || report.error || typeof report.vulnerabilities !== 'object') {
    const reason = report?.error?.summary || report?.message || 'not an `npm audit --json` report';
    throw new Error(`npm audit did not produce a report: ${reason}`);
  }
  const found = new Map();
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via ?? []) {
      // A string names another vulnerable package this one depends on; that package is listed itself.
      if (typeof via !== 'object' || !GATED_SEVERITIES.has(via.severity)) continue;
      const advisory = via.url || `npm:${via.source}`;
      const id = `${advisory} ${via.name}`;
      found.set(id, { id, advisory, package: via.name, severity: via.severity, title: via.title ?? '' });
    }
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** What the report adds to and drops from the baseline. */
function compareWithBaseline(advisories, baseline) {
  const accepted = new Set(baseline.accepted.map((entry) => entry.id));
  const current = new Set(advisories.map((advisory) => advisory.id));
  return {
    unreviewed: advisories.filter((advisory) => !accepted.has(advisory.id)),
    stale: baseline.accepted.filter((entry) => !current.has(entry.id)),
  };
}

/** Baseline entries nobody explained (no reason, or the TODO that --write-baseline leaves). */
function unexplainedEntries(baseline) {
  return baseline.accepted.filter((entry) => !entry.reason || /^TODO\b/.test(entry.reason));
}

function runNpmAudit() {
  try {
    // npm's CLI script under this Node: a bare `npm` is a .cmd shim on Windows (scripts/lib/portable-spawn.js).
    return execFileSync(process.execPath, [npmCli(), 'audit', '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    // npm audit exits non-zero whenever it finds anything; its JSON report is still on stdout.
    if (error.stdout) return error.stdout;
    throw error;
  }
}

function main(args) {
  const report = JSON.parse(
    args[0] && !args[0].startsWith('--') ? readFileSync(args[0], 'utf8') : runNpmAudit(),
  );
  const advisories = gatedAdvisories(report);
  const baseline = JSON.parse(readFileSync(BASELINE, 'utf8'));

  if (args.includes('--write-baseline')) {
    const reasons = new Map(baseline.accepted.map((entry) => [entry.id, entry.reason]));
    baseline.accepted = advisories.map((advisory) => ({
      ...advisory,
      reason:
        reasons.get(advisory.id) ?? 'TODO: why this advisory cannot affect Autopack, or when it is fixed',
    }));
    writeFileSync(BASELINE, `${JSON.stringify(baseline, null, 2)}\n`);
    console.log(`baseline now lists ${advisories.length} high/critical advisories; review every reason`);
    return 0;
  }

  const unexplained = unexplainedEntries(baseline);
  for (const entry of unexplained) console.error(`accepted without a reason: ${entry.id}`);
  const { unreviewed, stale } = compareWithBaseline(advisories, baseline);
  for (const entry of stale) console.log(`no longer reported (remove from the baseline): ${entry.id}`);
  for (const advisory of unreviewed) {
    console.error(`NEW ${advisory.severity}: ${advisory.package} — ${advisory.title} (${advisory.advisory})`);
  }
  if (unreviewed.length > 0) {
    console.error(
      `${unreviewed.length} high/critical advisories are not in security/npm-audit-baseline.json`,
    );
    return 1;
  }
  // --write-baseline leaves TODO reasons: an advisory nobody reviewed is not accepted.
  if (unexplained.length > 0) return 1;
  console.log(`npm audit: ${advisories.length} high/critical advisories, all reviewed in the baseline`);
  return 0;
}

module.exports = { gatedAdvisories, compareWithBaseline, unexplainedEntries };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    // No report means nothing was proven: the gate fails rather than passing silently.
    console.error(`npm audit gate: ${error.message}`);
    process.exitCode = 1;
  }
}
