/**
 * The rules of the one secret redactor. Each rule finds one kind of secret in free text; what it matches
 * (its `secret` group when it has one, else the whole match) becomes `[REDACTED:<name>]`.
 *
 * Order matters: rules that recognise a secret by its context (a header name, `password=`, a URL's user
 * info, a key block) run before rules that recognise a token by its shape, so that a GitHub token sent as
 * `Authorization: Bearer ghp_…` is counted once, as an authorization header. No rule can match a marker,
 * which makes redaction idempotent: redacting redacted text changes nothing.
 */
export interface RedactionRule {
  readonly name: string;
  /** Global, so every occurrence is replaced. */
  readonly pattern: RegExp;
}

/** Never let a context rule swallow a marker another rule (or an earlier pass) wrote. */
const NOT_A_MARKER = '(?!\\[REDACTED:)';

/** Header values run to the end of the line or a closing quote (they may hold spaces: `Bearer x`). */
const HEADER_VALUE = `(?!\\s)${NOT_A_MARKER}[^\\r\\n"']+`;
/**
 * Assignment values stop where a query string, a list or a sentence would continue; a quoted value
 * (`"password": "correct horse battery"`) runs to its closing quote, JSON escapes included.
 */
const ASSIGNED_VALUE = `${NOT_A_MARKER}(?:(?<=")(?:\\\\.|[^"\\\\\\r\\n])+(?=")|(?<=')[^'\\r\\n]+(?=')|[^\\s&"',;]+)`;
/** `Name: value`, `"name": "value"`, `name=value`. */
const SEPARATOR = `["']?\\s*[:=]\\s*["']?`;

/** Names that hold a secret when something is assigned to them (`password=`, `client_secret:` …). */
const SECRET_ASSIGNMENT_NAMES =
  '[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|secret|api[_-]?key|access[_-]?key|private[_-]?key|token)';

export const REDACTION_RULES: readonly RedactionRule[] = [
  {
    name: 'private_key',
    // A whole PEM/PGP private key block; a block cut off before its END line is redacted to the end.
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g,
  },
  {
    name: 'authorization_header',
    pattern: new RegExp(`(?<=\\b(?:proxy-)?authorization${SEPARATOR})(?<secret>${HEADER_VALUE})`, 'gi'),
  },
  {
    name: 'cookie_header',
    pattern: new RegExp(`(?<=\\b(?:set-)?cookie${SEPARATOR})(?<secret>${HEADER_VALUE})`, 'gi'),
  },
  {
    name: 'api_key_header',
    pattern: new RegExp(`(?<=\\bx-api-key${SEPARATOR})(?<secret>${ASSIGNED_VALUE})`, 'gi'),
  },
  {
    name: 'url_credentials',
    // The user-info part of a URL: `postgres://user:pass@host` → `postgres://[REDACTED…]@host`.
    pattern: /(?<=\b[a-z][a-z0-9+.-]*:\/\/)(?<secret>(?!\[REDACTED:)[^\s/?#@:]+:[^\s/?#@]+)(?=@)/gi,
  },
  {
    name: 'slack_webhook',
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]+/g,
  },
  {
    name: 'secret_assignment',
    pattern: new RegExp(`(?<=\\b${SECRET_ASSIGNMENT_NAMES}${SEPARATOR})(?<secret>${ASSIGNED_VALUE})`, 'gi'),
  },
  { name: 'bearer_token', pattern: /(?<=\bBearer\s+)(?<secret>[A-Za-z0-9._~+/-]{16,}=*)/g },
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g },
  { name: 'aws_access_key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g },
  { name: 'github_token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  {
    name: 'gitlab_token',
    // Personal/project/group (glpat-), deploy (gldt-), trigger (glptt-), runner (glrt-, GR1348941…),
    // feed (glft-), CI job (glcbt-), OAuth app (gloas-) and incoming mail (glimt-) tokens.
    pattern: /\b(?:gl(?:pat|dt|ptt|rt|ft|cbt|oas|imt|soat)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})/g,
  },
  { name: 'slack_token', pattern: /\b(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})/g },
  { name: 'stripe_key', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|\bwhsec_[A-Za-z0-9]{20,}/g },
  { name: 'npm_token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  // Our own API keys: `apk_<kind>_<random>` (the instance key in development is `apk_dev_…`).
  { name: 'autopack_api_key', pattern: /\bapk_[A-Za-z0-9_-]{16,}/g },
];

/**
 * Object keys whose values are secrets whatever they look like. Keys are compared after lowercasing and
 * dropping `-`/`_`, and match when they end with one of these (`db_password`, `githubToken`, `X-API-Key`),
 * so `token_cap`, `max_tokens` or `api_key_id` are not secrets but `session_token` is.
 */
export const SECRET_KEY_SUFFIXES: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'passwordhash',
  'secret',
  'clientsecret',
  'apikey',
  'token',
  'accesstoken',
  'refreshtoken',
  'authorization',
  'cookie',
  'privatekey',
  'secretkey',
  'signingkey',
  'encryptionkey',
  'credentials',
];

/** Keys that are secrets only when they are the whole name (`pwd`, not `cwd`-like suffixes). */
export const SECRET_KEY_NAMES: readonly string[] = ['pwd', 'pass', 'auth', 'dsn'];
