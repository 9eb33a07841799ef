import { configVariables } from './config-variables';
import type { ConfigVariable } from './config-variables';

interface Row {
  names: string[];
  secret: boolean;
  note?: string;
  defaults: string[];
  meaning: string;
}

/** How a default reads in the README: the `doc.default` text, else the value itself in backticks. */
function defaultText(spec: ConfigVariable<unknown>): string | undefined {
  if (spec.doc.default !== undefined) return spec.doc.default;
  if (spec.default === undefined || typeof spec.default === 'function') return undefined;
  const value = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
  return `\`${typeof spec.default === 'boolean' ? Number(spec.default) : value}\``;
}

/**
 * The README's configuration table, from the table in config-variables.ts: one row per variable, or per
 * group of variables documented together (`doc.with`), in table order. `npm run contract` writes it.
 */
export function renderConfigTable(): string {
  const rows: Row[] = [];
  const rowOf = new Map<string, Row>();
  for (const [name, spec] of configVariables()) {
    const shared = 'with' in spec.doc ? rowOf.get(spec.doc.with) : undefined;
    if ('with' in spec.doc && !shared) throw new Error(`${name}: doc.with names no earlier row`);
    const row: Row = shared ?? {
      names: [],
      secret: true,
      defaults: [],
      meaning: 'meaning' in spec.doc ? spec.doc.meaning : '',
      note: 'note' in spec.doc ? spec.doc.note : undefined,
    };
    if (!shared) rows.push(row);
    rowOf.set(name, row);
    row.names.push(name);
    row.secret &&= spec.secret === true;
    const text = defaultText(spec);
    if (text !== undefined && !row.defaults.includes(text)) row.defaults.push(text);
  }
  const label = (row: Row) => {
    const kind = row.secret ? (row.names.length > 1 ? 'secrets' : 'secret') : undefined;
    const notes = [kind, row.note].filter(Boolean).join(', ');
    return `${row.names.map((name) => `\`${name}\``).join(' / ')}${notes ? ` (${notes})` : ''}`;
  };
  return [
    '| variable | default | meaning |',
    '|---|---|---|',
    ...rows.map((row) => `| ${label(row)} | ${row.defaults.join(' / ')} | ${row.meaning} |`),
  ].join('\n');
}
