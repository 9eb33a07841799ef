import type { OpenAPIObject } from '@nestjs/swagger';
import type { AuthRequirement } from '../auth/auth.decorators';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

export interface ContractOperation {
  method: string;
  path: string;
  tag: string;
  auth: AuthRequirement | undefined;
  rateLimit: string;
  statusCodes: string[];
  summary: string;
}

/** Every operation of the document, in path then method order. */
export function listOperations(document: OpenAPIObject): ContractOperation[] {
  return Object.keys(document.paths)
    .sort()
    .flatMap((path) =>
      HTTP_METHODS.filter((method) => document.paths[path][method]).map((method) => {
        const op = document.paths[path][method] as Record<string, unknown> & {
          tags?: string[];
          responses?: Record<string, unknown>;
          summary?: string;
        };
        return {
          method: method.toUpperCase(),
          path,
          tag: op.tags?.[0] ?? 'other',
          auth: op['x-autopack-auth'] as AuthRequirement | undefined,
          rateLimit: (op['x-autopack-rate-limit'] as string | undefined) ?? 'default',
          statusCodes: Object.keys(op.responses ?? {}).sort(),
          summary: op.summary ?? '',
        };
      }),
    );
}

export function describeAuth(auth: AuthRequirement | undefined): string {
  if (!auth) return '**none (refused)**';
  const qualifier = auth.role ? ` (role \`${auth.role}\`)` : auth.scope ? ` (scope \`${auth.scope}\`)` : '';
  const name = {
    public: '`@Public`',
    public_read: '`@PublicRead`',
    api_key: '`@ApiKey`',
    user: '`@UserAuth`',
  }[auth.mode];
  return `${name}${qualifier}`;
}

/** The endpoint reference: one table per module (OpenAPI tag). */
export function renderEndpointReference(document: OpenAPIObject, defaultRateLimit: string): string {
  const byTag = new Map<string, ContractOperation[]>();
  for (const op of listOperations(document)) byTag.set(op.tag, [...(byTag.get(op.tag) ?? []), op]);
  const sections = [...byTag.keys()].sort().map((tag) => {
    const rows = byTag
      .get(tag)!
      .map((op) =>
        [
          op.method,
          `\`${op.path}\``,
          describeAuth(op.auth),
          op.rateLimit === 'default' ? defaultRateLimit : op.rateLimit,
          op.statusCodes.join(', '),
        ].join(' | '),
      );
    return [
      `### ${tag}`,
      '',
      '| method | path | auth | rate limit | status codes |',
      '|---|---|---|---|---|',
      ...rows.map((row) => `| ${row} |`),
    ].join('\n');
  });
  return sections.join('\n\n');
}

/** Replaces the text between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`. */
export function replaceGeneratedBlock(document: string, name: string, content: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} (npm run contract; do not edit by hand) -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const start = document.indexOf(begin);
  const stop = document.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`markers for the generated block "${name}" are missing`);
  return `${document.slice(0, start + begin.length)}\n\n${content}\n\n${document.slice(stop)}`;
}

/** Fills every named generated block of `document` (see replaceGeneratedBlock). */
export function fillGeneratedBlocks(document: string, blocks: Record<string, string>): string {
  return Object.entries(blocks).reduce(
    (text, [name, content]) => replaceGeneratedBlock(text, name, content),
    document,
  );
}

/** A short, readable account of where two texts first differ. */
export function describeDifference(committed: string, generated: string, context = 3): string {
  const a = committed.split('\n');
  const b = generated.split('\n');
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first++;
  let lastA = a.length - 1;
  let lastB = b.length - 1;
  while (lastA > first && lastB > first && a[lastA] === b[lastB]) {
    lastA--;
    lastB--;
  }
  const from = Math.max(0, first - context);
  const out = [`@@ first difference at line ${first + 1} @@`];
  for (let i = from; i < first; i++) out.push(`  ${a[i]}`);
  for (let i = first; i <= Math.min(lastA, first + 40); i++) out.push(`- ${a[i]}`);
  for (let i = first; i <= Math.min(lastB, first + 40); i++) out.push(`+ ${b[i]}`);
  return out.join('\n');
}
