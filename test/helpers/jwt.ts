import { createHmac, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** Builds a JWT by hand, signed however an attacker likes. */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: { rs256?: KeyObject; hs256?: Buffer | string } = {},
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  let signature = '';
  if (signer.rs256) signature = b64url(sign('sha256', Buffer.from(input), signer.rs256));
  if (signer.hs256 !== undefined)
    signature = b64url(createHmac('sha256', signer.hs256).update(input).digest());
  return `${input}.${signature}`;
}

/** The two JSON parts of a JWT, decoded (no verification). */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  return { header, payload };
}
