import { BlockList, isIP } from 'node:net';

/**
 * Where an outbound request (a provider token call, a webhook delivery) may go: the deployment's
 * environment and an optional host allowlist. The one set of SSRF rules of the project.
 */
export interface OutboundUrlPolicy {
  isProduction: boolean;
  /** Exact host names or `*.domain` (subdomains only). Empty: any host. */
  allowedHosts: readonly string[];
}
/** The provider token URL's policy (`AUTOPACK_OAUTH_TOKEN_HOSTS` is its allowlist). */
export type TokenUrlPolicy = OutboundUrlPolicy;

const subnets = (list: BlockList, entries: Array<[string, number, 'ipv4' | 'ipv6']>) => {
  for (const [address, prefix, type] of entries) list.addSubnet(address, prefix, type);
  return list;
};

/**
 * Never a token endpoint, in any environment: "this host", link-local (which holds the cloud metadata
 * services, 169.254.169.254 and AWS's fd00:ec2::254), multicast and reserved ranges. IPv4-mapped IPv6
 * addresses (`::ffff:169.254.169.254`) match their IPv4 subnet.
 */
const ALWAYS_FORBIDDEN = subnets(new BlockList(), [
  ['0.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  ['fd00:ec2::254', 128, 'ipv6'],
]);

/** Internal networks: refused in production (a token request there would probe the inside). */
const INTERNAL = subnets(new BlockList(), [
  ['127.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  // Local-use NAT64 (RFC 8215): where the IPv4 address sits depends on the prefix length the site chose.
  ['64:ff9b:1::', 48, 'ipv6'],
]);

/** The eight 16-bit groups of an IPv6 address (with `::` expanded and a dotted IPv4 tail converted). */
function hextets(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const [left, right] = [groups(head), groups(tail)];
  return tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The IPv4 address an IPv6 address carries and reaches: NAT64 (64:ff9b::/96), IPv4-compatible (::/96),
 * IPv4-mapped and SIIT-translated (::ffff:0:0/96, ::ffff:0:0:0/96) and 6to4 (2002::/16). Undefined for
 * any other IPv6 address.
 */
export function embeddedIpv4(address: string): string | undefined {
  const h = hextets(address);
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  const zero = (from: number, to: number) => h.slice(from, to).every((g) => g === 0);
  if (h[0] === 0x64 && h[1] === 0xff9b && zero(2, 6)) return v4(h[6], h[7]);
  if (zero(0, 5) && (h[5] === 0 || h[5] === 0xffff) && !(h[5] === 0 && h[6] === 0)) return v4(h[6], h[7]);
  if (zero(0, 4) && h[4] === 0xffff && h[5] === 0) return v4(h[6], h[7]);
  if (h[0] === 0x2002) return v4(h[1], h[2]);
  return undefined;
}

/** Names of the metadata services, refused before any DNS is asked. */
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.azure.internal']);

/**
 * Why an address a token request would connect to is forbidden, or null when it is allowed: link-local
 * and metadata addresses always; loopback and private ranges in production.
 */
export function forbiddenAddressProblem(
  address: string,
  isProduction: boolean,
  field = 'token_url',
): string | null {
  const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  // An IPv6 address that translates to an IPv4 one is judged by where it leads.
  const inner = type === 'ipv6' ? embeddedIpv4(address) : undefined;
  if (inner !== undefined) {
    const problem = forbiddenAddressProblem(inner, isProduction, field);
    if (problem) return problem.replace(`(${inner})`, `(${address}, which reaches ${inner})`);
  }
  if (ALWAYS_FORBIDDEN.check(address, type)) {
    return `${field} must not reach a link-local, metadata or reserved address (${address})`;
  }
  if (isProduction && INTERNAL.check(address, type)) {
    return `${field} must not reach a loopback or private address in production (${address})`;
  }
  return null;
}

/** `api.etsy.com` matches itself; `*.myshopify.com` matches `x.myshopify.com`, never `myshopify.com`. */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  if (allowedHosts.length === 0) return true;
  return allowedHosts.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry,
  );
}

/**
 * Checks a URL an outbound request will be sent to, before it is stored and again before each use.
 * Production requires https (secrets travel in the request); credentials embedded in the URL are refused
 * everywhere, because the URL is shown in responses and events. Against SSRF: literal link-local and
 * metadata addresses are refused everywhere, loopback and private ones (and `localhost`) in production,
 * and when an allowlist is set the host must be on it. Names are resolved and their addresses checked
 * again at connect time (outbound-http.ts). Returns a problem naming `field`, or null when acceptable.
 */
export function outboundUrlProblem(
  raw: string,
  policy: OutboundUrlPolicy,
  field: string,
  allowlistName = 'the allowlist',
): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${field} must be an absolute URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${field} must be an http(s) URL`;
  if (policy.isProduction && url.protocol !== 'https:') return `${field} must use https in production`;
  if (url.username || url.password) return `${field} must not contain credentials`;
  if (url.hash) return `${field} must not contain a fragment`;
  const host = url.hostname
    .toLowerCase()
    .replace(/\.+$/, '')
    .replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) {
    const problem = forbiddenAddressProblem(host, policy.isProduction, field);
    if (problem) return problem;
  } else if (METADATA_HOSTS.has(host)) {
    return `${field} must not reach a metadata service (${host})`;
  } else if (policy.isProduction && (host === 'localhost' || host.endsWith('.localhost'))) {
    return `${field} must not reach a loopback or private address in production (${host})`;
  }
  if (!hostAllowed(host, policy.allowedHosts)) {
    return `${field} host "${host}" is not in ${allowlistName}`;
  }
  return null;
}

/** A provider token endpoint (`token_url`), under AUTOPACK_OAUTH_TOKEN_HOSTS. */
export const tokenUrlProblem = (raw: string, policy: TokenUrlPolicy): string | null =>
  outboundUrlProblem(raw, policy, 'token_url', 'AUTOPACK_OAUTH_TOKEN_HOSTS');
