// The two security gates must be able to fail: each is fed what it exists to catch.
const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { unpinnedUses, checkWorkflows } = require('./check-pinned-actions');
const { gatedAdvisories, compareWithBaseline, unexplainedEntries } = require('./npm-audit-gate');

const SHA = '11bd71901bbe5b1630ceea73d27597364c9af683';

describe('check-pinned-actions', () => {
  it('accepts actions pinned by a full commit SHA, local actions and images pinned by digest', () => {
    const text = [
      `      - uses: actions/checkout@${SHA} # v4.2.2`,
      `      - uses: github/codeql-action/init@${SHA}`,
      `        uses: './.github/actions/setup'`,
      `      - uses: docker://alpine@sha256:${'a'.repeat(64)}`,
    ].join('\n');
    expect(unpinnedUses(text)).toEqual([]);
  });

  it('refuses tags, branches, short SHAs and unpinned images, naming the line', () => {
    const text = [
      'steps:',
      '  - uses: actions/checkout@v4',
      '  - uses: "actions/setup-node@main"',
      `  - uses: actions/cache@${SHA.slice(0, 12)}`,
      '  - uses: docker://alpine:3.20',
      '  - uses: actions/checkout',
      '  - { uses: actions/cache@v4, with: { path: x } }',
    ].join('\n');
    expect(unpinnedUses(text).map(({ line }) => line)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('checks every workflow file of the repository and finds them all pinned', () => {
    expect(checkWorkflows(join(__dirname, '..', '..', '.github', 'workflows'))).toEqual([]);
  });

  it('fails when there is no workflow directory to check', () => {
    expect(checkWorkflows(join(tmpdir(), 'no-such-workflows-dir'))).toHaveLength(1);
  });

  it('reports the file of an unpinned action', () => {
    const directory = mkdtempSync(join(tmpdir(), 'workflows-'));
    writeFileSync(join(directory, 'a.yml'), `steps:\n  - uses: actions/checkout@${SHA}\n`);
    writeFileSync(join(directory, 'b.yaml'), 'steps:\n  - uses: actions/checkout@v4\n');
    expect(checkWorkflows(directory)).toEqual([
      { file: 'b.yaml', line: 2, reference: 'actions/checkout@v4' },
    ]);
  });
});

describe('npm-audit-gate', () => {
  const advisory = (name, severity, id) => ({
    source: id,
    name,
    title: `${name} is vulnerable`,
    url: `https://github.com/advisories/GHSA-${id}`,
    severity,
  });
  const report = {
    auditReportVersion: 2,
    vulnerabilities: {
      lodash: { name: 'lodash', severity: 'critical', via: [advisory('lodash', 'critical', 'aaaa')] },
      express: {
        name: 'express',
        severity: 'high',
        via: ['body-parser', advisory('express', 'moderate', 'bbbb')],
      },
      'body-parser': {
        name: 'body-parser',
        severity: 'high',
        via: [advisory('body-parser', 'high', 'cccc')],
      },
    },
  };

  it('gates high and critical advisories only, once each', () => {
    expect(gatedAdvisories(report).map((a) => [a.package, a.severity])).toEqual([
      ['lodash', 'critical'],
      ['body-parser', 'high'],
    ]);
  });

  it('fails on an advisory the baseline does not list and names baseline entries that no longer apply', () => {
    const advisories = gatedAdvisories(report);
    const lodash = advisories.find((a) => a.package === 'lodash');
    const baseline = {
      accepted: [
        { id: lodash.id, reason: 'test' },
        { id: 'https://gone x', reason: 'old' },
      ],
    };
    const { unreviewed, stale } = compareWithBaseline(advisories, baseline);
    expect(unreviewed.map((a) => a.package)).toEqual(['body-parser']);
    expect(stale.map((entry) => entry.id)).toEqual(['https://gone x']);
  });

  it('passes when every high and critical advisory is reviewed', () => {
    const advisories = gatedAdvisories(report);
    const baseline = { accepted: advisories.map(({ id }) => ({ id, reason: 'reviewed' })) };
    expect(compareWithBaseline(advisories, baseline).unreviewed).toEqual([]);
  });

  it('does not accept a baseline entry without a real reason (the TODO --write-baseline leaves)', () => {
    const baseline = {
      accepted: [
        { id: 'a', reason: 'TODO: why this advisory cannot affect Autopack' },
        { id: 'b' },
        { id: 'c', reason: 'the vulnerable parser is never given untrusted input' },
      ],
    };
    expect(unexplainedEntries(baseline).map((entry) => entry.id)).toEqual(['a', 'b']);
  });

  it('refuses to pass when npm audit produced no report', () => {
    expect(() => gatedAdvisories({ error: { summary: '405 Method Not Allowed' } })).toThrow(
      /did not produce a report/,
    );
    expect(() => gatedAdvisories({})).toThrow(/did not produce a report/);
  });

  it('starts from a committed baseline that says how to refresh it', () => {
    const baseline = require('../../security/npm-audit-baseline.json');
    expect(baseline.about).toMatch(/--write-baseline/);
    expect(Array.isArray(baseline.accepted)).toBe(true);
  });
});
