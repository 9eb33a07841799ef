// The readiness check must fail whenever the document claims more than its evidence shows.
const { mkdirSync, mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { checkReadiness, hasTestTitled, GATES } = require('./readiness');

/** A repository with one test file and one doc, and a READINESS.md whose gates all score `score`. */
function fixture({ score = 2, exceptions = 'none.', evidence, total, ready, root } = {}) {
  root ??= mkdtempSync(join(tmpdir(), 'readiness-'));
  mkdirSync(join(root, 'docs'));
  mkdirSync(join(root, 'test'), { recursive: true });
  writeFileSync(
    join(root, 'test', 'a.e2e-spec.ts'),
    "describe('the gate', () => {\n  it(\n    'refuses anonymous callers',\n    () => {},\n  );\n  it.skip('skipped proof', () => {});\n});\n",
  );
  writeFileSync(join(root, 'docs', 'GUIDE.md'), '# Guide\n\n## Secrets\n');
  const lines = evidence ?? [
    '- test [test/a.e2e-spec.ts](../test/a.e2e-spec.ts): "refuses anonymous callers"',
    '- doc [docs/GUIDE.md](GUIDE.md): "## Secrets"',
  ];
  const sum = total ?? score * 8;
  const text = [
    '# Readiness',
    '',
    '| Gate | Score |',
    '|---|---|',
    ...GATES.map((gate) => `| ${gate} | ${score} |`),
    `| **Total** | **${sum}/16** |`,
    '',
    `**Ready:** ${ready ?? (sum === 16 ? 'yes' : 'no')}`,
    ...GATES.flatMap((gate) => [
      '',
      `## ${gate}`,
      '',
      '**Exit criteria** (source): something mechanically enforced.',
      '',
      `**Score: ${score}/2**`,
      '',
      ...lines,
      '',
      `**Known exceptions:** ${exceptions}`,
    ]),
  ].join('\n');
  const path = join(root, 'docs', 'READINESS.md');
  writeFileSync(path, text);
  return checkReadiness(readFileSync(path, 'utf8'), path, root);
}

describe('npm run readiness', () => {
  it('accepts a document whose every claim is backed, and recomputes the total', () => {
    expect(fixture()).toEqual({ problems: [], total: 16 });
    expect(fixture({ score: 1, exceptions: 'Docker is not built here.' })).toEqual({
      problems: [],
      total: 8,
    });
  });

  it('refuses a score of 2 with a known exception', () => {
    expect(fixture({ exceptions: 'the compose stack was never run.' }).problems).toContain(
      'G1 Auth & exposure: scores 2 but lists known exceptions (a gate with a known exception is 1)',
    );
  });

  it('refuses a score of 2 without a test, or without a doc', () => {
    const docOnly = fixture({ evidence: ['- doc [docs/GUIDE.md](GUIDE.md)'] }).problems;
    expect(docOnly).toContain('G3 External side effects: scores 2 without a test that proves it');
    const testOnly = fixture({
      evidence: ['- test [test/a.e2e-spec.ts](../test/a.e2e-spec.ts): "the gate"'],
    }).problems;
    expect(testOnly).toContain('G3 External side effects: scores 2 without a doc that states it');
  });

  it('refuses a missing file, a missing test name, a skipped test and a misnamed link', () => {
    const { problems } = fixture({
      evidence: [
        '- test [test/a.e2e-spec.ts](../test/a.e2e-spec.ts): "refuses anonymous callers", "a test nobody wrote", "skipped proof"',
        '- test [test/gone.e2e-spec.ts](../test/gone.e2e-spec.ts): "anything"',
        '- doc [docs/GUIDE.md](GUIDE.md): "## Rotation"',
        '- doc [docs/OTHER.md](GUIDE.md)',
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'G1 Auth & exposure: test/a.e2e-spec.ts has no test named "a test nobody wrote"',
        'G1 Auth & exposure: test/a.e2e-spec.ts has no test named "skipped proof"',
        'G1 Auth & exposure: test/gone.e2e-spec.ts does not exist',
        'G1 Auth & exposure: docs/GUIDE.md does not contain "## Rotation"',
        'G1 Auth & exposure: link text "docs/OTHER.md" does not name its target docs/GUIDE.md',
      ]),
    );
  });

  it('refuses a test file with a skipped describe block', () => {
    const root = mkdtempSync(join(tmpdir(), 'readiness-skip-'));
    mkdirSync(join(root, 'test'));
    writeFileSync(
      join(root, 'test', 'b.e2e-spec.ts'),
      // Spelled in two parts, so that this file itself holds no skipped describe.
      ['describe', "skip('outer', () => { it('inner proof', () => {}); });\n"].join('.'),
    );
    const { problems } = fixture({
      root,
      evidence: [
        '- test [test/b.e2e-spec.ts](../test/b.e2e-spec.ts): "inner proof"',
        '- doc [docs/GUIDE.md](GUIDE.md)',
      ],
    });
    expect(problems).toContain(
      'G1 Auth & exposure: test/b.e2e-spec.ts skips a describe block; its tests prove nothing',
    );
  });

  it('refuses a test file that npm test does not run', () => {
    const { problems } = fixture({
      evidence: ['- test [docs/GUIDE.md](GUIDE.md): "Guide"', '- doc [docs/GUIDE.md](GUIDE.md)'],
    });
    expect(problems).toContain('G1 Auth & exposure: docs/GUIDE.md is not a file npm test runs');
  });

  it('refuses a total or a readiness verdict the gates do not add up to', () => {
    expect(fixture({ total: 16, score: 1, exceptions: 'x' }).problems).toContain(
      'the total says 16/16, the gates add up to 8/16',
    );
    expect(fixture({ score: 1, exceptions: 'x', ready: 'yes' }).problems).toContain(
      '"**Ready:** yes" but the gates add up to 8/16 (ready only at 16/16)',
    );
  });

  it('recognises test titles in it, describe and each calls, not in other strings', () => {
    const source =
      "describe.each(FILES)('%s checks', () => {});\nconst x = 'loose string';\ntest.each`\n a\n`('table %s', f);";
    expect(hasTestTitled(source, '%s checks')).toBe(true);
    expect(hasTestTitled(source, 'table')).toBe(true);
    expect(hasTestTitled(source, 'loose string')).toBe(false);
  });

  it('passes on the repository’s own docs/READINESS.md', () => {
    const path = join(__dirname, '..', 'docs', 'READINESS.md');
    expect(checkReadiness(readFileSync(path, 'utf8'), path).problems).toEqual([]);
  });
});
