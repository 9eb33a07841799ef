// The rule for package.json scripts: each must run unchanged under Windows' cmd.exe (npm's script shell
// there) as well as under sh. cmd has no `VAR=value cmd`, no `$VAR`, no single-quote quoting, no `rm`,
// `cp`, `mkdir -p`…, no `;` separator and no glob expansion, so each of these is refused; node scripts
// (scripts/*.js) or a cross-platform helper do the job instead. `&&`, `||`, `|` and "double quotes" mean
// the same in both shells and are allowed.
'use strict';

/** POSIX utilities and shell built-ins that cmd.exe lacks or that mean something else there. */
const POSIX_ONLY_COMMANDS = new Set([
  '.',
  '[',
  'awk',
  'basename',
  'bash',
  'cat',
  'chmod',
  'chown',
  'cp',
  'cut',
  'dirname',
  'env',
  'export',
  'false',
  'find',
  'grep',
  'head',
  'kill',
  'ln',
  'ls',
  'mkdir',
  'mv',
  'pwd',
  'rm',
  'sed',
  'sh',
  'sleep',
  'source',
  'tail',
  'test',
  'touch',
  'tr',
  'true',
  'unset',
  'wc',
  'which',
  'xargs',
]);

/** The text outside "double-quoted" parts (which both shells pass through whole). */
const unquoted = (command) => command.replace(/"(?:[^"\\]|\\.)*"/g, '""');

/** Every reason `command` would not run under cmd.exe; empty when it is portable. */
function posixOnlyConstructs(command) {
  const problems = [];
  const bare = unquoted(command);
  if (bare.includes("'")) problems.push('single quotes (cmd passes them through literally; use \\"…\\")');
  if (/\$(?:[A-Za-z_{(]|\d)/.test(command)) problems.push('a $VARIABLE or $(…) expansion (cmd writes %VAR%)');
  if (bare.includes('`')) problems.push('a `backtick` command substitution');
  if (/;/.test(bare)) problems.push('a ";" separator (cmd has none; use &&)');
  if (/(^|[^&])&(?!&)/.test(bare)) problems.push('a lone "&" (background in sh, a separator in cmd)');
  if (/[*?]/.test(bare) || /(^|\s)~[/\\\s]?/.test(bare))
    problems.push('an unquoted glob or ~ (sh expands it, cmd does not)');
  if (/\/dev\/null/.test(bare)) problems.push('/dev/null (cmd writes NUL)');
  if (/\.sh(\s|$)/.test(bare)) problems.push('a shell script (.sh)');
  for (const segment of bare.split(/&&|\|\||\|/)) {
    const words = segment.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
      problems.push(`an environment assignment "${words[0]}" (use a node script or cross-env)`);
      continue;
    }
    if (POSIX_ONLY_COMMANDS.has(words[0])) problems.push(`"${words[0]}", which cmd.exe does not have`);
  }
  return problems;
}

/** `name: reason` for every script of a package.json object that is not portable. */
function checkPackageScripts(manifest) {
  return Object.entries(manifest.scripts ?? {}).flatMap(([name, command]) =>
    posixOnlyConstructs(command).map((problem) => `${name}: ${problem}`),
  );
}

module.exports = { posixOnlyConstructs, checkPackageScripts };
