import { REDACTION_RULES, SECRET_KEY_NAMES, SECRET_KEY_SUFFIXES } from './redaction-rules';
import type { JsonValue } from '../canonical-json/canonical-json';

export type { JsonValue };

export interface Redacted<T> {
  value: T;
  /** How many secrets were replaced by a marker. */
  count: number;
}

/** What replaces a secret: a fixed marker naming the rule that found it, never a hint of the value. */
export const redactionMarker = (rule: string) => `[REDACTED:${rule}]`;

/** The marker for a value held under a secret-named key (`password`, `client_secret`, `X-API-Key` …). */
export const SECRET_FIELD_MARKER = redactionMarker('secret_field');

/**
 * Replaces every secret found in `text` by its rule's marker. Deterministic (same text → same bytes) and
 * idempotent (redacted text has nothing left to redact).
 */
export function redactString(text: string): Redacted<string> {
  let count = 0;
  let value = text;
  for (const rule of REDACTION_RULES) {
    const marker = redactionMarker(rule.name);
    value = value.replace(rule.pattern, () => {
      count++;
      return marker;
    });
  }
  return { value, count };
}

/** True when a key's value is a secret whatever it looks like (see SECRET_KEY_SUFFIXES). */
export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_\s]/g, '');
  return (
    SECRET_KEY_NAMES.includes(normalized) || SECRET_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix))
  );
}

/**
 * Redacts a JSON value: under a secret-named key any value but `null` and booleans (which cannot carry a
 * secret) becomes SECRET_FIELD_MARKER, objects and arrays included; every other string is redacted by
 * `redactString`. Keys are kept. Returns a new value; the input is not modified.
 */
export function redactJson(value: JsonValue): Redacted<JsonValue> {
  let count = 0;
  const walk = (node: JsonValue): JsonValue => {
    if (typeof node === 'string') {
      const redacted = redactString(node);
      count += redacted.count;
      return redacted.value;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      const out: { [key: string]: JsonValue } = {};
      for (const [key, member] of Object.entries(node)) {
        const secret =
          isSecretKey(key) &&
          member !== null &&
          typeof member !== 'boolean' &&
          member !== SECRET_FIELD_MARKER;
        if (secret) count++;
        // defineProperty, not assignment: a "__proto__" key from parsed JSON must stay a plain member.
        Object.defineProperty(out, key, {
          value: secret ? SECRET_FIELD_MARKER : walk(member),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return node;
  };
  return { value: walk(value), count };
}
