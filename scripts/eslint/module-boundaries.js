// @ts-check
/**
 * ESLint rule: a module owns its tables. Code in one top-level folder of `src/` (a module) may not import
 * another module's entities (`*.entity`, `entities/…`), repositories or controllers: it asks that
 * module's exported service instead (docs: ARCHITECTURE.md, "A module owns its rules and its tables").
 * `src/database` (the entity registry, migrations) and `src/cli` (maintenance tools) may.
 */
const path = require('node:path');

const EXEMPT = new Set(['database', 'cli']);
const OWNED = /(^|\/)entities\/|\.entity$|\.repository$|\.controller$/;

/** The module (top-level folder under `srcRoot`) a path belongs to, or null outside it. */
function moduleOf(file, srcRoot) {
  const relative = path.relative(srcRoot, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  const parts = relative.split(path.sep);
  return parts.length > 1 ? parts[0] : null;
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: "forbid importing another module's entities, repositories and controllers" },
    schema: [{ type: 'object', properties: { srcRoot: { type: 'string' } }, additionalProperties: false }],
    messages: {
      foreign:
        "'{{source}}' belongs to the {{owner}} module: {{importer}} may not import its entities, repositories or controllers. Use the service {{owner}} exports.",
    },
  },
  create(context) {
    const srcRoot = path.resolve(context.options[0]?.srcRoot ?? path.join(context.cwd, 'src'));
    const importer = moduleOf(context.filename, srcRoot);
    if (importer === null || EXEMPT.has(importer)) return {};
    /** @param {import('estree').Node & { source?: unknown }} node */
    const check = (node) => {
      const source = /** @type {{ value?: unknown } | null | undefined} */ (node.source)?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.resolve(path.dirname(context.filename), source);
      const owner = moduleOf(target, srcRoot);
      if (owner === null || owner === importer) return;
      const inside = path.relative(path.join(srcRoot, owner), target).split(path.sep).join('/');
      if (OWNED.test(inside)) {
        context.report({ node, messageId: 'foreign', data: { source, owner, importer } });
      }
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

module.exports = { rule, moduleOf };
