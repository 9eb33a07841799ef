import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError } from './config-error';

/**
 * Turns one environment value (never empty: unset and empty both mean "use the default") into a typed
 * value, or throws a `ConfigError` naming the variable. Messages never echo the value: it may be a secret
 * pasted into the wrong place.
 */
export type Parser<T> = (raw: string, name: string) => T;

const refuse = (name: string, problem: string) => new ConfigError(`${name}: ${problem}`);

/** A decimal integer in [min, max]; `unit` is added to the message (e.g. "requests per minute"). */
export const int =
  (min: number, max: number, unit?: string): Parser<number> =>
  (raw, name) => {
    const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) {
      throw refuse(name, `must be an integer from ${min} to ${max}${unit ? ` (${unit})` : ''}`);
    }
    return value;
  };

/** One of a fixed list of spellings. */
export const oneOf =
  <const T extends string>(values: readonly T[]): Parser<T> =>
  (raw, name) => {
    if (!(values as readonly string[]).includes(raw)) {
      throw refuse(name, `must be one of the following values: ${values.join(', ')}`);
    }
    return raw as T;
  };

/** `1` on, `0` off; anything else is refused (a typo must not flip a switch). */
export const flag: Parser<boolean> = (raw, name) => {
  if (raw !== '0' && raw !== '1') throw refuse(name, 'must be 0 or 1');
  return raw === '1';
};

/** Any text. */
export const text: Parser<string> = (raw) => raw;

/** Text matching a pattern; `expected` says what the pattern means. */
export const matching =
  (pattern: RegExp, expected: string): Parser<string> =>
  (raw, name) => {
    if (!pattern.test(raw)) throw refuse(name, expected);
    return raw;
  };

/** A file or directory, made absolute against the working directory. */
export const path: Parser<string> = (raw) => resolve(raw);

/** Applies `convert` to what `parser` accepted (e.g. seconds → milliseconds). */
export const map =
  <T, U>(parser: Parser<T>, convert: (value: T) => U): Parser<U> =>
  (raw, name) =>
    convert(parser(raw, name));

/** A comma-separated list: entries trimmed, empty ones dropped, each checked by `entry`. */
export const list =
  (entry: (item: string, name: string) => string, { unique = false } = {}): Parser<string[]> =>
  (raw, name) => {
    const items = raw
      .split(',')
      .map((item) => entry(item.trim(), name))
      .filter(Boolean);
    return unique ? [...new Set(items)] : items;
  };

/** An IP address or CIDR range (for trusted proxies). */
export function ipOrCidr(entry: string, name: string): string {
  if (entry === '') return entry;
  const [address, prefix] = entry.split('/');
  if (!isIP(address) || !(prefix === undefined || /^\d{1,3}$/.test(prefix))) {
    throw refuse(name, `"${entry}" is not an IP address or CIDR range`);
  }
  return entry;
}

const PROVIDER_NAME = /^[a-z][a-z0-9_-]{1,31}$/;

/** An OAuth provider name (lowercase letters, digits, _ and -). */
export function providerName(entry: string, name: string): string {
  if (entry !== '' && !PROVIDER_NAME.test(entry)) {
    throw refuse(name, `"${entry}" is not a provider name (lowercase letters, digits, _ and -)`);
  }
  return entry;
}

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const TOKEN_HOST = new RegExp(
  `^(?:\\*\\.${HOST_LABEL}(?:\\.${HOST_LABEL})+|${HOST_LABEL}(?:\\.${HOST_LABEL})*)$`,
);

/** A lowercase host name or `*.domain` (subdomains only): no scheme, port, path or IP. */
export function tokenHost(entry: string, name: string): string {
  const host = entry.toLowerCase();
  if (host !== '' && (!TOKEN_HOST.test(host) || isIP(host))) {
    throw refuse(name, `"${host}" is not a host name or *.domain (no scheme, port, path or IP)`);
  }
  return host;
}

/** "12.50" → 1250 (decimal arithmetic on the digits, no floating point). */
export const usdCents: Parser<number> = map(
  matching(/^\d{1,9}(\.\d{1,2})?$/, 'must be an amount in USD with at most two decimals (e.g. 25 or 12.50)'),
  (usd) => {
    const [whole, fraction = ''] = usd.split('.');
    return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  },
);

/** A PEM pasted into one environment line often carries literal "\\n" sequences: restore the newlines. */
export const pem: Parser<string> = (raw) =>
  raw.includes('\\n') && !raw.includes('\n') ? raw.replace(/\\n/g, '\n') : raw;

/** 32 bytes, base64 (standard or url-safe alphabet). */
export const aes256Key: Parser<Buffer> = (raw, name) => {
  const trimmed = raw.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw refuse(name, 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)');
  }
  return key;
};

/** One or more PEM public keys (RSA, at least 2048 bits), concatenated. */
export const pemPublicKeys: Parser<string[]> = (raw, name) => {
  const blocks = pem(raw, name).match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw refuse(name, 'must hold one or more PEM public keys');
  for (const block of blocks) {
    let details;
    try {
      const key = createPublicKey(block);
      details = key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails : undefined;
    } catch {
      throw refuse(name, 'holds a block that is not a PEM public key');
    }
    if ((details?.modulusLength ?? 0) < 2048) throw refuse(name, 'keys must be RSA of at least 2048 bits');
  }
  return blocks;
};

/** An absolute http(s) URL without credentials or fragment (SSO issuer, redirect URI). */
export const httpUrl: Parser<string> = (raw, name) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(name, 'must be an absolute http(s) URL');
  }
  if (
    !['http:', 'https:'].includes(url.protocol) ||
    url.username ||
    url.password ||
    url.hash ||
    raw.length > 500
  ) {
    throw refuse(name, 'must be an http(s) URL of at most 500 characters, without credentials or #fragment');
  }
  return raw;
};

/** An email domain (`example.com`), lowercased: no `@`, scheme or wildcard. */
export function emailDomain(entry: string, name: string): string {
  const domain = entry.toLowerCase();
  if (domain !== '' && !new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})+$`).test(domain)) {
    throw refuse(name, `"${domain}" is not an email domain (e.g. example.com)`);
  }
  return domain;
}

/**
 * `claim-value=role` pairs, comma-separated (`autopack-admins=admin,ops=operator`): the values of the SSO
 * groups claim that grant a role. A value may appear once; roles must be known.
 */
export const roleMap =
  <const R extends string>(roles: readonly R[]): Parser<Record<string, R>> =>
  (raw, name) => {
    const map: Record<string, R> = {};
    for (const pair of raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)) {
      const at = pair.lastIndexOf('=');
      const value = pair.slice(0, at).trim();
      const role = pair.slice(at + 1).trim() as R;
      if (at <= 0 || value.length > 200 || !roles.includes(role)) {
        throw refuse(name, `each entry must be <claim value>=<role> with a role among ${roles.join(', ')}`);
      }
      if (Object.hasOwn(map, value)) throw refuse(name, `"${value}" is mapped twice`);
      map[value] = role;
    }
    return map;
  };
