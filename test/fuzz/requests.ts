import fc from 'fast-check';
import type { Operation, Parameter } from './contract';
import {
  encodeSegment,
  malformedPathSegment,
  oddPathSegment,
  oddUnicode,
  outOfRange,
  resolve,
  valueOf,
  wireValueOf,
  wrongTypeFor,
} from './openapi-arbitraries';
import type { OpenApiDocument, Schema } from './openapi-arbitraries';

/**
 * One generated request. `valid` follows the contract (it may still meet a business 4xx), `broken`
 * violates it (it must get a 4xx), `hostile` is odd but not necessarily invalid (it must not get a 5xx).
 */
export interface FuzzRequest {
  kind: 'valid' | 'broken' | 'hostile';
  /** What was done to the request, for the counterexample. */
  why: string;
  method: Operation['method'];
  /** Path with its query string, exactly as sent. */
  url: string;
  headers: Record<string, string>;
  /** A JSON value to send, or raw bytes with their own Content-Type. */
  body?: { json: unknown } | { raw: string | Buffer; contentType: string };
}

/** The parts of a request before they are put on the wire (path params already encoded). */
interface Parts {
  path: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: unknown;
}

/** Real fixture values for a path parameter of an operation, so that valid requests reach the services. */
export type FixtureLookup = (op: Operation, param: string) => string[];

const MB = 1024 * 1024;
const VISIBLE_ASCII = /^[\x21-\x7e]{1,64}$/;

/** JSON text nested `depth` levels deep (arrays and objects alternating), built without recursion. */
const deepJson = (depth: number) =>
  Array.from({ length: depth }, (_, i) => (i % 2 ? '{"n":' : '[')).join('') +
  '"bottom"' +
  Array.from({ length: depth }, (_, i) => (i % 2 ? '}' : ']'))
    .reverse()
    .join('');
const DEEP = deepJson(5000);
/** Stands for DEEP inside a JSON value; replaced in the serialized text (JSON.stringify would recurse). */
const DEEP_MARK = '\u0000deep\u0000';

function toRequest(op: Operation, kind: FuzzRequest['kind'], why: string, parts: Parts): FuzzRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => parts.path[name]);
  const query = parts.query.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&');
  return {
    kind,
    why,
    method: op.method,
    url: query ? `${path}?${query}` : path,
    headers: parts.headers,
    ...(parts.body !== undefined ? { body: { json: parts.body } } : {}),
  };
}

/** A request that follows the contract: fixture ids (mostly), schema-valid parameters and body. */
function validParts(doc: OpenApiDocument, op: Operation, fixtures: FixtureLookup): fc.Arbitrary<Parts> {
  const byIn = (where: Parameter['in']) => op.parameters.filter((p) => p.in === where);
  const path = fc.record(
    Object.fromEntries(
      byIn('path').map((p) => {
        const real = fixtures(op, p.name);
        const random = wireValueOf(doc, p.schema)
          .filter((v) => v.length > 0)
          .map(encodeSegment);
        return [
          p.name,
          real.length > 0
            ? fc.oneof(
                { weight: 4, arbitrary: fc.constantFrom(...real.map(encodeSegment)) },
                { weight: 1, arbitrary: random },
              )
            : random,
        ];
      }),
    ),
  );
  const query = fc
    .tuple(
      ...byIn('query').map((p) =>
        p.required
          ? wireValueOf(doc, p.schema).map((v) => [[p.name, v]] as Array<[string, string]>)
          : fc
              .option(
                wireValueOf(doc, p.schema).map((v) => [p.name, v] as [string, string]),
                { nil: undefined },
              )
              .map((pair) => (pair ? [pair] : [])),
      ),
    )
    .map((lists) => lists.flat());
  const headers = fc.record(
    Object.fromEntries(byIn('header').map((p) => [p.name, fc.stringMatching(VISIBLE_ASCII)])),
    {
      requiredKeys: byIn('header')
        .filter((p) => p.required)
        .map((p) => p.name),
    },
  );
  const body = op.body ? valueOf(doc, op.body) : fc.constant(undefined);
  return fc.record({ path, query, headers, body }) as fc.Arbitrary<Parts>;
}

/** The named properties of a body schema (resolved), with the body schema itself. */
function bodyShape(doc: OpenApiDocument, op: Operation) {
  const schema = resolve(doc, op.body);
  const props = Object.entries(schema.properties ?? {}).map(([name, s]) => [name, resolve(doc, s)] as const);
  return {
    schema,
    props,
    required: schema.required ?? [],
    closed: !!schema.properties && schema.additionalProperties !== true,
  };
}

type Mutation = fc.Arbitrary<{ kind: 'broken' | 'hostile'; why: string; apply: (p: Parts) => FuzzRequest }>;

const jsonMutation = (
  op: Operation,
  kind: 'broken' | 'hostile',
  why: string,
  change: (body: Record<string, unknown>) => unknown,
) => ({
  kind,
  why,
  apply: (p: Parts) =>
    toRequest(op, kind, why, { ...p, body: change({ ...(p.body as Record<string, unknown>) }) }),
});

const rawBody = (
  op: Operation,
  kind: 'broken' | 'hostile',
  why: string,
  raw: string | Buffer,
  contentType: string,
) => ({
  kind,
  why,
  apply: (p: Parts) => ({
    ...toRequest(op, kind, why, { ...p, body: undefined }),
    body: { raw, contentType },
  }),
});

/** Ways to break (or stress) the body of `op`, each only where the contract makes the outcome certain. */
function bodyMutations(doc: OpenApiDocument, op: Operation): Mutation[] {
  if (!op.body) return [];
  const { schema, props, required, closed } = bodyShape(doc, op);
  const out: Mutation[] = [];
  const set = (name: string, value: unknown) => (b: Record<string, unknown>) => ({ ...b, [name]: value });

  if (required.length > 0) {
    out.push(
      fc.constantFrom(...required).map((name) =>
        jsonMutation(op, 'broken', `missing required body field ${name}`, (b) => {
          delete b[name];
          return b;
        }),
      ),
    );
    // Without a JSON content type the body is not parsed at all: the required fields are missing.
    out.push(
      fc
        .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml')
        .map((type) =>
          rawBody(op, 'broken', `JSON sent as ${type}`, JSON.stringify({ [required[0]]: 'x' }), type),
        ),
    );
  }
  const typed = props.filter(([, s]) => wrongTypeFor(doc, s));
  if (typed.length > 0) {
    out.push(
      fc
        .constantFrom(...typed)
        .chain(([name, s]) =>
          wrongTypeFor(doc, s)!.map((v) =>
            jsonMutation(op, 'broken', `wrong type for ${name}: ${JSON.stringify(v)}`, set(name, v)),
          ),
        ),
    );
  }
  const bounded = props.filter(([, s]) => outOfRange(doc, s));
  if (bounded.length > 0) {
    out.push(
      fc
        .constantFrom(...bounded)
        .chain(([name, s]) =>
          outOfRange(doc, s)!.map((v) =>
            jsonMutation(op, 'broken', `${name} out of range: ${v}`, set(name, v)),
          ),
        ),
    );
  }
  const capped = props.filter(([, s]) => s.type === 'string' && s.maxLength !== undefined && !s.enum);
  if (capped.length > 0) {
    out.push(
      fc
        .constantFrom(...capped)
        .map(([name]) => jsonMutation(op, 'broken', `1 MB string in ${name}`, set(name, 'a'.repeat(MB)))),
    );
  }
  if (closed) {
    out.push(
      fc
        .oneof(
          fc.constant(['__proto__x', 1] as const),
          fc.constant(['unknown_field', 'x'] as const),
          fc.constant(['deep', DEEP_MARK] as const),
        )
        .map(([name, v]) => jsonMutation(op, 'broken', `unknown field ${name}`, set(name, v))),
      // class-validator's whitelist cannot see `constructor` (every instance has one): not refused today.
      fc.constant(
        jsonMutation(
          op,
          'hostile',
          'field constructor',
          set('constructor', { prototype: { polluted: true } }),
        ),
      ),
    );
  }
  if (schema.type === 'object' || schema.properties) {
    out.push(
      fc
        .constantFrom<[string, unknown]>(
          ['a string', 'x'],
          ['a number', 42],
          ['an array', [{}]],
          ['null', null],
          ['a 5000-deep array', DEEP_MARK],
        )
        .map(([what, v]) =>
          rawBody(
            op,
            'broken',
            `body is ${what}`,
            JSON.stringify(v).replace(JSON.stringify(DEEP_MARK), DEEP),
            'application/json',
          ),
        ),
    );
  }
  out.push(
    fc
      .constantFrom(
        '{"a":',
        "{'a':1}",
        '[1,]',
        '{"a":NaN}',
        '{"a":1e999999}x',
        '\u0000',
        '{"a":"\\ud800"',
        '{'.repeat(5000),
      )
      .map((raw) =>
        rawBody(op, 'broken', `malformed JSON ${JSON.stringify(raw.slice(0, 20))}`, raw, 'application/json'),
      ),
    fc.constant(
      rawBody(
        op,
        'broken',
        'body over the 2 MiB limit',
        JSON.stringify({ pad: 'a'.repeat(3 * MB) }),
        'application/json',
      ),
    ),
    fc
      .constantFrom('application/json; charset=latin-99', 'application/json; charset=utf-16')
      .map((type) => rawBody(op, 'broken', `unsupported ${type}`, '{}', type)),
  );

  // Odd but possibly valid: unicode in any string field, deep nesting in free-form fields, huge strings
  // where no maxLength is documented, invalid UTF-8 bytes (decoded as U+FFFD).
  const strings = props.filter(([, s]) => s.type === 'string' && !s.enum && !s.format);
  if (strings.length > 0) {
    out.push(
      fc
        .tuple(fc.constantFrom(...strings), oddUnicode)
        .map(([[name], v]) =>
          jsonMutation(op, 'hostile', `odd unicode in ${name}: ${JSON.stringify(v)}`, set(name, v)),
        ),
      fc
        .constantFrom(...strings)
        .map(([name]) =>
          rawBody(
            op,
            'hostile',
            `overlong UTF-8 in ${name}`,
            Buffer.from(`{"${name}":"\xc0\xaf\xed\xa0\x80\xff"}`, 'latin1'),
            'application/json',
          ),
        ),
    );
  }
  const freeForm = props.filter(([, s]) => s.type === 'object' && !s.properties);
  if (freeForm.length > 0) {
    out.push(
      fc
        .constantFrom(...freeForm)
        .map(([name]) =>
          jsonMutation(op, 'hostile', `5000-deep nesting in ${name}`, set(name, { deep: DEEP_MARK })),
        ),
    );
  }
  const uncapped = props.filter(([, s]) => s.type === 'string' && s.maxLength === undefined && !s.enum);
  if (uncapped.length > 0) {
    out.push(
      fc
        .constantFrom(...uncapped)
        .map(([name]) => jsonMutation(op, 'hostile', `1 MB string in ${name}`, set(name, 'a'.repeat(MB)))),
    );
  }
  return out;
}

/** A wire value for a query parameter that its schema refuses, when the schema constrains it. */
function badQueryValue(doc: OpenApiDocument, raw: Schema | undefined): fc.Arbitrary<string> | undefined {
  const s = resolve(doc, raw);
  if (s.enum) return fc.constantFrom('NOT_A_MEMBER', '', String(s.enum[0]).toUpperCase() + '_');
  if (s.type === 'integer' || s.type === 'number') {
    const range = outOfRange(doc, s);
    const garbage = fc.constantFrom('abc', '', 'NaN', 'Infinity', '1e400', '0x10', '1.5e', '١٢');
    return range ? fc.oneof(garbage, range.map(String)) : garbage;
  }
  if (s.format === 'date-time') return fc.constantFrom('yesterday', '2024-13-45T99:99:99Z', '', '0');
  if (s.maxLength !== undefined) return fc.constant('q'.repeat(s.maxLength + 1));
  return undefined;
}

/** Ways to break (or stress) the parameters of `op`. */
function parameterMutations(doc: OpenApiDocument, op: Operation): Mutation[] {
  const out: Mutation[] = [];
  const mutation = (kind: 'broken' | 'hostile', why: string, change: (p: Parts) => Parts) => ({
    kind,
    why,
    apply: (p: Parts) => toRequest(op, kind, why, change(p)),
  });
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  if (pathParams.length > 0) {
    out.push(
      fc.tuple(fc.constantFrom(...pathParams), malformedPathSegment).map(([param, segment]) =>
        // Broken when the contract says unknown ids are 404; else just an id nothing carries (hostile).
        mutation(op.responses['404'] ? 'broken' : 'hostile', `path ${param.name}=${segment}`, (p) => ({
          ...p,
          path: { ...p.path, [param.name]: segment },
        })),
      ),
      fc.tuple(fc.constantFrom(...pathParams), oddPathSegment).map(([param, segment]) =>
        mutation('hostile', `path ${param.name}=${segment.slice(0, 60)}`, (p) => ({
          ...p,
          path: { ...p.path, [param.name]: segment },
        })),
      ),
    );
  }
  const query = op.parameters.filter((p) => p.in === 'query');
  const constrained = query.flatMap((param) => {
    const bad = badQueryValue(doc, param.schema);
    return bad ? [bad.map((v) => [param, v] as const)] : [];
  });
  if (constrained.length > 0) {
    out.push(
      fc.oneof(...constrained).map(([param, v]) =>
        mutation('broken', `query ${param.name}=${JSON.stringify(v.slice(0, 40))}`, (p) => ({
          ...p,
          query: [...p.query.filter(([k]) => k !== param.name), [param.name, v]],
        })),
      ),
    );
  }
  for (const param of query.filter((p) => p.required)) {
    out.push(
      fc.constant(
        mutation('broken', `missing required query ${param.name}`, (p) => ({
          ...p,
          query: p.query.filter(([k]) => k !== param.name),
        })),
      ),
    );
  }
  if (query.length > 0) {
    // Values past what a database column holds, and a lone NUL: the contract may allow them, the server
    // must still answer with a documented status (these were 500s on unbounded offsets and audit filters).
    out.push(
      fc
        .tuple(
          fc.constantFrom(...query),
          fc.constantFrom('100000000000000000000', '2147483648', '-2147483649', 'a\u0000b'),
        )
        .map(([param, v]) =>
          mutation('hostile', `query ${param.name}=${JSON.stringify(v)}`, (p) => ({
            ...p,
            query: [...p.query.filter(([k]) => k !== param.name), [param.name, v]],
          })),
        ),
    );
    out.push(
      fc.tuple(fc.constantFrom(...query), oddUnicode).map(([param, v]) =>
        mutation('hostile', `repeated query ${param.name} with ${JSON.stringify(v)}`, (p) => ({
          ...p,
          query: [...p.query, [param.name, v], [param.name, '1']],
        })),
      ),
    );
  }
  out.push(
    fc
      .tuple(fc.constantFrom('__proto__', 'constructor', 'unknown', 'limit[$gt]'), oddUnicode)
      .map(([name, v]) =>
        mutation('hostile', `extra query ${name}`, (p) => ({ ...p, query: [...p.query, [name, v]] })),
      ),
  );
  for (const param of op.parameters.filter((p) => p.in === 'header' && p.required)) {
    out.push(
      fc
        .constantFrom<[string, string | undefined]>(
          ['missing', undefined],
          ['empty', ''],
          ['too long', 'k'.repeat(300)],
        )
        .map(([what, v]) =>
          mutation('broken', `${what} header ${param.name}`, (p) => {
            const headers = { ...p.headers };
            if (v === undefined) delete headers[param.name];
            else headers[param.name] = v;
            return { ...p, headers };
          }),
        ),
    );
  }
  return out;
}

/**
 * All requests the fuzzer sends to `op`: about half valid, half broken or hostile. Credentials are added
 * by the caller (they depend on the operation's auth mode, not on the request).
 */
export function requestsFor(
  doc: OpenApiDocument,
  op: Operation,
  fixtures: FixtureLookup,
): fc.Arbitrary<FuzzRequest> {
  const valid = validParts(doc, op, fixtures);
  const mutations = [...bodyMutations(doc, op), ...parameterMutations(doc, op)];
  const mutated = fc.tuple(valid, fc.oneof(...mutations)).map(([parts, m]) => m.apply(parts));
  return fc.oneof(
    { weight: 1, arbitrary: valid.map((parts) => toRequest(op, 'valid', 'valid', parts)) },
    { weight: 1, arbitrary: mutated },
  );
}

/** A short, printable account of a request (no megabyte strings) for fast-check's counterexample. */
export function describeRequest(req: FuzzRequest): string {
  const body =
    req.body === undefined
      ? ''
      : 'json' in req.body
        ? JSON.stringify(req.body.json)
        : `(${req.body.contentType}) ${req.body.raw.toString().slice(0, 2000)}`;
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
  return `[${req.kind}: ${req.why}] ${req.method.toUpperCase()} ${clip(req.url)} headers=${JSON.stringify(req.headers)} body=${clip(body)}`;
}
