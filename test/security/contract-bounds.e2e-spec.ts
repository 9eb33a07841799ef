import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ResponseChecker } from '../fuzz/contract';
import type { Operation, Parameter } from '../fuzz/contract';
import { contract, operations, startFuzzTarget } from '../fuzz/fuzz-app';
import type { FuzzTarget } from '../fuzz/fuzz-app';
import { resolve } from '../fuzz/openapi-arbitraries';
import type { Schema } from '../fuzz/openapi-arbitraries';

/** The `x-autopack-*` bounds of a free-form object (src/http/bounded-json.ts), beside `maxProperties`. */
type FreeForm = Schema & {
  maxProperties?: number;
  'x-autopack-max-bytes'?: number;
  'x-autopack-max-depth'?: number;
  'x-autopack-max-items'?: number;
};

/** A value the schema accepts, as small as possible and always the same (no randomness but the seed). */
function minimal(raw: Schema | undefined): unknown {
  const s = resolve(contract, raw);
  if (s.enum) return s.enum.find((v) => v !== null);
  switch (s.type) {
    case 'string':
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      if (s.pattern) return fc.sample(fc.stringMatching(new RegExp(s.pattern)), { seed: 21, numRuns: 1 })[0];
      return 'a'.repeat(Math.max(1, s.minLength ?? 0));
    case 'integer':
    case 'number':
      return Math.min(Math.max(s.minimum ?? 0, 1), s.maximum ?? 1);
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => minimal(s.items));
    default:
      return Object.fromEntries((s.required ?? []).map((name) => [name, minimal(s.properties?.[name])]));
  }
}

/** One bound of one field, broken: where to put the value, and the value. */
interface Breach {
  what: string;
  /** Property names and array indexes from the body root. */
  at: Array<string | number>;
  value: unknown;
}

function nested(depth: number): unknown {
  let value: unknown = {};
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

/** Every documented bound of `raw` and below it, each broken by one (bound + 1, or minimum - 1). */
function breaches(raw: Schema | undefined, at: Array<string | number>, seen: Set<string>): Breach[] {
  const s = resolve(contract, raw) as FreeForm;
  if (raw?.$ref) {
    // A recursive schema would never end; one pass over each component per path is enough.
    if (seen.has(raw.$ref)) return [];
    seen = new Set([...seen, raw.$ref]);
  }
  const out: Breach[] = [];
  const name = at.join('.');
  if (s.type === 'string' && s.maxLength !== undefined && !s.enum) {
    out.push({ what: `${name}: maxLength ${s.maxLength} + 1`, at, value: 'a'.repeat(s.maxLength + 1) });
  }
  if (s.type === 'integer' || s.type === 'number') {
    if (s.maximum !== undefined) out.push({ what: `${name}: maximum + 1`, at, value: s.maximum + 1 });
    if (s.minimum !== undefined) out.push({ what: `${name}: minimum - 1`, at, value: s.minimum - 1 });
  }
  if (s.type === 'array') {
    if (s.maxItems !== undefined) {
      const item = minimal(s.items);
      out.push({ what: `${name}: maxItems ${s.maxItems} + 1`, at, value: Array(s.maxItems + 1).fill(item) });
    }
    out.push(...breaches(s.items, [...at, 0], seen));
  }
  if (s.type === 'object' && !s.properties && s.maxProperties !== undefined) {
    const keys = Array.from({ length: s.maxProperties + 1 }, (_, i) => [`k${i}`, i]);
    out.push({ what: `${name}: maxProperties + 1`, at, value: Object.fromEntries(keys) });
    if (s['x-autopack-max-depth'] !== undefined) {
      const value = nested(s['x-autopack-max-depth'] + 1);
      out.push({ what: `${name}: x-autopack-max-depth + 1`, at, value });
    }
    if (s['x-autopack-max-items'] !== undefined) {
      const value = { list: Array(s['x-autopack-max-items'] + 1).fill(0) };
      out.push({ what: `${name}: x-autopack-max-items + 1`, at, value });
    }
    if (s['x-autopack-max-bytes'] !== undefined) {
      const value = { blob: 'b'.repeat(s['x-autopack-max-bytes']) };
      out.push({ what: `${name}: x-autopack-max-bytes + 1`, at, value });
    }
  }
  for (const [prop, child] of Object.entries(s.properties ?? {}))
    out.push(...breaches(child, [...at, prop], seen));
  return out;
}

/** A minimal valid body with the breach put in place (arrays on the way get one minimal element). */
function bodyWith(raw: Schema | undefined, breach: Breach): unknown {
  const put = (schema: Schema | undefined, path: Array<string | number>): unknown => {
    if (path.length === 0) return breach.value;
    const s = resolve(contract, schema);
    const [head, ...rest] = path;
    if (typeof head === 'number') return [put(s.items, rest)];
    const base = minimal(s) as Record<string, unknown>;
    return { ...base, [head]: put(s.properties?.[head], rest) };
  };
  return put(raw, breach.at);
}

/** A body's `run_id`/`phase_id` must repeat the path's (else a 422 about them would hide the one under test). */
function matchingPath(target: FuzzTarget, op: Operation, body: unknown, breach: Breach): object {
  const out = { ...(body as Record<string, unknown>) };
  for (const p of op.parameters.filter((p) => p.in === 'path')) {
    if (p.name in out && breach.at[0] !== p.name) out[p.name] = target.fixtures(op, p.name)[0];
  }
  return out;
}

function pathFor(target: FuzzTarget, op: Operation, override?: [string, string]): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (override?.[0] === name) return encodeURIComponent(override[1]);
    return encodeURIComponent(target.fixtures(op, name)[0] ?? 'x');
  });
}

/** Required query and header parameters, valid. */
function validParams(op: Operation, skip?: string) {
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const p of op.parameters.filter((p) => p.required && p.name !== skip)) {
    const value = String(minimal(p.schema));
    if (p.in === 'query') query[p.name] = value;
    if (p.in === 'header') headers[p.name] = p.name === 'Idempotency-Key' ? randomUUID() : value;
  }
  return { query, headers };
}

function parameterBreaches(p: Parameter): Array<{ what: string; value: string }> {
  const s = resolve(contract, p.schema);
  const out: Array<{ what: string; value: string }> = [];
  if (s.type === 'string' && s.maxLength !== undefined && !s.enum) {
    out.push({ what: `${p.in} ${p.name}: maxLength ${s.maxLength} + 1`, value: 'a'.repeat(s.maxLength + 1) });
  }
  if (s.type === 'integer' || s.type === 'number') {
    if (s.maximum !== undefined)
      out.push({ what: `${p.in} ${p.name}: maximum + 1`, value: String(s.maximum + 1) });
    if (s.minimum !== undefined)
      out.push({ what: `${p.in} ${p.name}: minimum - 1`, value: String(s.minimum - 1) });
  }
  return out;
}

const withoutIndexes = (loc: Array<string | number>) => loc.filter((part) => typeof part === 'string');

/** Rows in every table but the rate-limit counters (which count refused requests too, by design). */
async function rowCounts(dataSource: DataSource): Promise<Record<string, number>> {
  const tables: Array<{ name: string }> = await dataSource.query(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'rate_limit_counters'`,
  );
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    out[name] = Number((await dataSource.query(`SELECT count(*) AS n FROM "${name}"`))[0].n);
  }
  return out;
}

/**
 * Derived from docs/openapi.json: for every documented bound of every request field, query, path and header
 * parameter, one request with that bound broken by one, and nothing else wrong. Each must be refused (422
 * for a body, 413 for a body over a byte cap, 400 for a parameter) naming the field, and nothing may be
 * written. A bound the contract states but the code does not enforce fails here.
 */
describe('every documented input bound is enforced (bound + 1 is refused, nothing written)', () => {
  let target: FuzzTarget;
  let before: Record<string, number>;
  const checker = new ResponseChecker(contract);

  beforeAll(async () => {
    target = await startFuzzTarget();
    before = await rowCounts(target.t.app.get(DataSource));
  }, 120_000);
  afterAll(() => target?.close());

  const bodyCases = operations.flatMap((op) =>
    breaches(op.body, [], new Set()).map((breach) => [`${op.id} body ${breach.what}`, op, breach] as const),
  );
  const paramCases = operations.flatMap((op) =>
    op.parameters.flatMap((p) =>
      parameterBreaches(p).map((breach) => [`${op.id} ${breach.what}`, op, p, breach.value] as const),
    ),
  );

  it('finds the bounds of the contract', () => {
    expect(bodyCases.length).toBeGreaterThan(150);
    expect(paramCases.length).toBeGreaterThan(50);
    expect(bodyCases.map(([id]) => id)).toContain('POST /external-actions body payload: maxProperties + 1');
    expect(paramCases.map(([id]) => id)).toContain('GET /runs/{run_id} path run_id: maxLength 255 + 1');
  });

  it.each(bodyCases)('%s → 422 or 413', async (_id, op, breach) => {
    const { query, headers } = validParams(op);
    const res = await request(target.t.http)
      [op.method](pathFor(target, op))
      .query(query)
      .set(target.credentials(op))
      .set(headers)
      .send(matchingPath(target, op, bodyWith(op.body, breach), breach));
    expect(
      checker.problems(op, { status: res.status, headers: res.headers, text: res.text, body: res.body }),
    ).toEqual([]);
    expect([413, 422]).toContain(res.status);
    if (res.status === 422) {
      const expected = withoutIndexes(['body', ...breach.at]).join('.');
      const locs = (res.body.detail as Array<{ loc: Array<string | number> }>).map((d) =>
        withoutIndexes(d.loc).join('.'),
      );
      expect(locs).toContain(expected);
    }
  });

  it.each(paramCases)('%s → 400', async (_id, op, param, value) => {
    const { query, headers } = validParams(op, param.name);
    if (param.in === 'query') query[param.name] = value;
    if (param.in === 'header') headers[param.name] = value;
    const override: [string, string] | undefined = param.in === 'path' ? [param.name, value] : undefined;
    let call = request(target.t.http)
      [op.method](pathFor(target, op, override))
      .query(query)
      .set(target.credentials(op))
      .set(headers);
    if (op.body) call = call.send(minimal(op.body) as object);
    const res = await call;
    expect(
      checker.problems(op, { status: res.status, headers: res.headers, text: res.text, body: res.body }),
    ).toEqual([]);
    expect(res.status).toBe(400);
  });

  it('wrote nothing', async () => {
    expect(await rowCounts(target.t.app.get(DataSource))).toEqual(before);
  });
});
