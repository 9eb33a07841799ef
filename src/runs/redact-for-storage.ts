/**
 * TEMPORARY, to be replaced at merge by the project's one redactor (src/redaction/, built in parallel).
 * This is the single call site the runs module uses before storing executor-supplied error text; swap the
 * body of `redactForStorage` for the shared redactor and delete the rest of this file.
 *
 * Deliberately conservative: it would rather hide a harmless value than store a secret.
 */

export const REDACTED = '[REDACTED]';

export interface Redacted<T> {
  value: T;
  /** How many secrets were replaced. */
  count: number;
}

/** Keys whose values are secrets whatever they look like (`password`, `github_token`, `apiKey`, ...). */
const SECRET_KEY =
  /(password|passwd|passphrase|secret|token|apikey|api_key|api-key|authorization|cookie|credential|privatekey|private_key|session_id|sessionid|access_key)s?$/i;

/** Secrets recognisable inside free text. Each replacement keeps the label so the text stays readable. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1 ${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+):([^\s@/]+)@/gi, `$1$2:${REDACTED}@`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, REDACTED],
  [/\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}/g, REDACTED],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, REDACTED],
  [
    /\b([A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)s?)(["']?\s*[:=]\s*["']?)([^\s"',;&]+)/gi,
    `$1$2${REDACTED}`,
  ],
];

function redactText(text: string): Redacted<string> {
  let count = 0;
  let value = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    const single = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    value = value.replace(pattern, (match: string) => {
      // Already-redacted values are not counted twice.
      if (match.endsWith(REDACTED)) return match;
      count++;
      return match.replace(single, replacement);
    });
  }
  return { value, count };
}

/** Returns a copy of `value` (text, or JSON-like data) with every recognised secret replaced. */
export function redactForStorage<T>(value: T): Redacted<T> {
  let count = 0;
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const result = redactText(node);
      count += result.count;
      return result.value;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node as Record<string, unknown>).map(([key, child]) => {
          if (SECRET_KEY.test(key) && child !== null && child !== undefined && child !== '') {
            count++;
            return [key, REDACTED];
          }
          return [key, walk(child)];
        }),
      );
    }
    return node;
  };
  const redacted = walk(value) as T;
  return { value: redacted, count };
}
