/**
 * RFC 8785 (JSON Canonicalization Scheme). Hashes of audit events (and later of action payloads) are
 * taken over these bytes, so the same value must always give the same string, in every process and
 * every Node version.
 *
 * Why our own and not the `canonicalize` package: that package is ESM-only, which stock Jest cannot load
 * here. RFC 8785 is small because ECMAScript already does the hard part: `JSON.stringify` of a number is
 * the RFC's number serialisation, and of a string its string serialisation (lowercase `\u00xx` escapes).
 * What is left is sorting keys by UTF-16 code units and refusing what JSON cannot say.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class CanonicalJsonError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalJson(value: unknown): string {
  return serialize(value, '$');
}

function serialize(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${path}: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'string':
      return serializeString(value, path);
    case 'object':
      if (Array.isArray(value))
        return `[${value.map((item, i) => serialize(item, `${path}[${i}]`)).join(',')}]`;
      return serializeObject(value as Record<string, unknown>, path);
    default:
      throw new CanonicalJsonError(`${path}: a ${typeof value} is not a JSON value`);
  }
}

function serializeObject(object: Record<string, unknown>, path: string): string {
  const prototype = Object.getPrototypeOf(object) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    // Dates, Maps, class instances: their JSON form is a choice the caller must make explicitly.
    throw new CanonicalJsonError(`${path}: only plain objects can be canonicalised`);
  }
  // Default sort compares UTF-16 code units, which is exactly the order RFC 8785 prescribes.
  const keys = Object.keys(object).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) throw new CanonicalJsonError(`${path}.${key}: undefined is not a JSON value`);
    members.push(`${serializeString(key, path)}:${serialize(member, `${path}.${key}`)}`);
  }
  return `{${members.join(',')}}`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serializeString(value: string, path: string): string {
  // RFC 8785 §3.2.2.2: strings must be valid Unicode; a lone surrogate has no canonical form.
  if (LONE_SURROGATE.test(value))
    throw new CanonicalJsonError(`${path}: string holds a lone UTF-16 surrogate`);
  return JSON.stringify(value);
}
