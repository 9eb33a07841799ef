import fc from 'fast-check';

/** The parts of an OpenAPI 3.0 schema object this API's contract uses. */
export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

/** Follows `$ref`s (local `#/components/schemas/...` only) and merges `allOf`, so callers see plain schemas. */
export function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    return resolve(doc, { ...target, ...(schema.nullable ? { nullable: true } : {}) });
  }
  if (schema.allOf) {
    const { allOf, ...rest } = schema;
    return allOf.reduce<Schema>((merged, part) => {
      const p = resolve(doc, part);
      return {
        ...merged,
        ...p,
        properties: { ...merged.properties, ...p.properties },
        required: [...(merged.required ?? []), ...(p.required ?? [])],
      };
    }, rest);
  }
  return schema;
}

/** Small JSON values for free-form objects (`additionalProperties: true`). */
const freeJson = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null)),
  { maxKeys: 3 },
);

const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** Strings a schema allows. A `pattern` gets fast-check's regex generator. */
function validString(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') return isoDate;
  if (schema.pattern) {
    const max = schema.maxLength ?? Infinity;
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= max);
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
  return fc.string({ minLength, maxLength });
}

function validNumber(schema: Schema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000;
  const max = schema.maximum ?? 1_000_000;
  // class-validator's @IsInt hides behind `number` in the document: integers are valid for both.
  return fc.integer({
    min: Math.ceil(Math.max(min, -(2 ** 31))),
    max: Math.floor(Math.min(max, 2 ** 31 - 1)),
  });
}

/**
 * An arbitrary of values `schema` accepts. Optional properties are present or absent at random; arrays
 * are kept short and recursion shallow so that a run stays fast.
 */
export function valueOf(doc: OpenApiDocument, raw: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  const base = ((): fc.Arbitrary<unknown> => {
    if (schema.enum) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'string':
        return validString(schema);
      case 'number':
      case 'integer':
        return validNumber(schema);
      case 'boolean':
        return fc.boolean();
      case 'array': {
        const minLength = schema.minItems ?? 0;
        const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, depth > 2 ? minLength : 3));
        const item = valueOf(doc, schema.items, depth + 1);
        return schema.uniqueItems
          ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
          : fc.array(item, { minLength, maxLength });
      }
      default:
        if (!schema.properties) return freeJson;
        return fc.record(
          Object.fromEntries(
            Object.entries(schema.properties).map(([name, prop]) => [name, valueOf(doc, prop, depth + 1)]),
          ),
          { requiredKeys: schema.required ?? [] },
        );
    }
  })();
  return schema.nullable ? fc.option(base, { nil: null, freq: 5 }) : base;
}

/** A query, path or header parameter's value as it travels on the wire (a string). */
export function wireValueOf(doc: OpenApiDocument, schema: Schema | undefined): fc.Arbitrary<string> {
  return valueOf(doc, schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

/** A value of a JSON type the schema does not accept (for properties that have a type). */
export function wrongTypeFor(doc: OpenApiDocument, raw: Schema): fc.Arbitrary<unknown> | undefined {
  const schema = resolve(doc, raw);
  const candidates: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.oneof(fc.integer(), fc.boolean(), fc.constant({ a: 1 }), fc.constant(['x'])),
    number: fc.oneof(
      fc.constantFrom('12', 'NaN', 'Infinity', '-0', '1e400', ''),
      fc.boolean(),
      fc.constant({ n: 1 }),
    ),
    integer: fc.oneof(fc.constantFrom('12', 'NaN', ''), fc.boolean(), fc.constant([1])),
    boolean: fc.oneof(fc.constantFrom('true', 'yes', '1', ''), fc.integer(), fc.constant({})),
    array: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant({ 0: 'x' })),
    object: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant([1, 2]), fc.boolean()),
  };
  if (schema.enum && schema.type === 'string') {
    return fc.oneof(candidates.string, fc.constantFrom('NOT_A_MEMBER', 'Approve ', ''));
  }
  return schema.type ? candidates[schema.type] : undefined;
}

/** A number outside `[minimum, maximum]` (only the bounds the schema declares); undefined when it has none. */
export function outOfRange(doc: OpenApiDocument, raw: Schema): fc.Arbitrary<number> | undefined {
  const schema = resolve(doc, raw);
  if (schema.type !== 'number' && schema.type !== 'integer') return undefined;
  const out: number[] = [];
  if (schema.maximum !== undefined) out.push(schema.maximum + 1, 1e300, Number.MAX_SAFE_INTEGER * 1024);
  if (schema.minimum !== undefined) out.push(schema.minimum - 1, -1e300, -(2 ** 63));
  return out.length > 0 ? fc.constantFrom(...out) : undefined;
}

/** Strings that are hard on parsers, encoders, databases and log pipelines (not necessarily invalid). */
export const oddUnicode = fc.constantFrom(
  '\ud800', // lone high surrogate
  'a\udc00b', // lone low surrogate
  'nul\u0000byte',
  '\u202eevil\u202c', // right-to-left override
  '\u200b\u200d\ufeff', // zero-width characters and a BOM
  '😀👨‍👩‍👧‍👦🏳️‍🌈',
  'é'.normalize('NFD'),
  '\u0085\u2028\u2029', // next line, line and paragraph separators
  '%00%2e%2e%2f',
  '\\u0000',
  "'; DROP TABLE runs; --",
  '${jndi:ldap://x}',
  '\u{10ffff}\u{e0001}',
);

/** Percent-encodes every byte outside RFC 3986's unreserved set (lone surrogates become U+FFFD first). */
export function encodeSegment(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/**
 * Path segments sent exactly like this that no stored id can equal: a NUL (refused for every URL) and
 * escapes that do not decode (malformed, overlong UTF-8, encoded surrogates, invalid bytes).
 */
export const malformedPathSegment: fc.Arbitrary<string> = fc.constantFrom(
  '%00',
  '%zz',
  '%',
  '%C0%AF',
  '%E0%80%AF',
  '%ED%A0%80',
  '%FF%FE',
);

/** Pre-encoded traversal and control characters, sent exactly like this; they decode to possible ids. */
const preEncodedPathSegment = fc.constantFrom(
  '..',
  '%2e%2e',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%5c%2e%2e',
  '%E2%80%AE',
);

/**
 * Odd path segments that a client could legitimately have used as an id once decoded: a valid run
 * start may have created `*` or `-1` moments before, so these are hostile, not broken.
 */
export const oddPathSegment: fc.Arbitrary<string> = fc.oneof(
  preEncodedPathSegment,
  fc
    .oneof(
      fc.constantFrom(
        '../../etc/passwd',
        'a/b',
        '\\..\\windows',
        'C:\\',
        '~root',
        '*',
        '?x=1',
        '#frag',
        ' ',
        '00000000-0000-0000-0000-000000000000',
        'not-a-uuid',
        '-1',
        '1e400',
      ),
      oddUnicode,
      fc.integer({ min: 300, max: 4000 }).map((n) => 'x'.repeat(n)),
    )
    .map(encodeSegment),
);
