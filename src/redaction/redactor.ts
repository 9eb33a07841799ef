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

/**
 * Where a marker sits in redacted text (`start`/`end`, in UTF-16 units of the result) and which part of
 * the input it replaced (`sourceStart`/`sourceEnd`, in UTF-16 units of the input).
 */
export interface RedactionSpan {
  start: number;
  end: number;
  sourceStart: number;
  sourceEnd: number;
  rule: string;
}

/** An input position, given in the coordinates of partly redacted text, mapped back to the input. */
function toSource(spans: readonly RedactionSpan[], pos: number, edge: 'start' | 'end'): number {
  let shift = 0;
  for (const span of spans) {
    const inside =
      edge === 'start' ? pos >= span.start && pos < span.end : pos > span.start && pos <= span.end;
    if (inside) return edge === 'start' ? span.sourceStart : span.sourceEnd;
    if (pos < span.end) break;
    shift += span.end - span.start - (span.sourceEnd - span.sourceStart);
  }
  return pos - shift;
}

/**
 * `redactString`, also saying where each marker sits in the result and what part of the input it
 * replaced (sorted, non-overlapping), so a caller that cuts the text can keep markers whole and tell
 * them from literal text that merely looks like one. A later rule's match that swallows an earlier
 * marker becomes one span covering both. `count` is the same as redactString's.
 */
export function redactStringWithSpans(text: string): Redacted<string> & { spans: RedactionSpan[] } {
  let value = text;
  let spans: RedactionSpan[] = [];
  let count = 0;
  for (const rule of REDACTION_RULES) {
    const marker = redactionMarker(rule.name);
    // This pass's matches, in the coordinates of the text before it.
    const matches: Array<{ offset: number; length: number }> = [];
    value = value.replace(rule.pattern, (...args: unknown[]) => {
      // replace() passes (match, ...groups, offset, whole[, namedGroups]).
      const named = typeof args[args.length - 1] === 'object';
      const offset = args[args.length - (named ? 3 : 2)] as number;
      matches.push({ offset, length: (args[0] as string).length });
      return marker;
    });
    if (matches.length === 0) continue;
    count += matches.length;
    const next: RedactionSpan[] = [];
    let delta = 0;
    let i = 0;
    const shifted = (span: RedactionSpan) => ({ ...span, start: span.start + delta, end: span.end + delta });
    for (const match of matches) {
      const matchEnd = match.offset + match.length;
      while (i < spans.length && spans[i].end <= match.offset) next.push(shifted(spans[i++]));
      let start = match.offset + delta;
      let end = start + marker.length;
      const sourceStart = toSource(spans, match.offset, 'start');
      const sourceEnd = toSource(spans, matchEnd, 'end');
      while (i < spans.length && spans[i].start < matchEnd) {
        if (spans[i].start < match.offset) start = spans[i].start + delta;
        if (spans[i].end > matchEnd) end = spans[i].end + delta + marker.length - match.length;
        i++;
      }
      next.push({ start, end, sourceStart, sourceEnd, rule: rule.name });
      delta += marker.length - match.length;
    }
    while (i < spans.length) next.push(shifted(spans[i++]));
    // Pathological partial overlaps: merge whatever still touches into one span.
    spans = [];
    for (const span of next) {
      const last = spans[spans.length - 1];
      if (last && span.start < last.end) {
        last.end = Math.max(last.end, span.end);
        last.sourceEnd = Math.max(last.sourceEnd, span.sourceEnd);
      } else spans.push({ ...span });
    }
  }
  return { value, count, spans };
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
