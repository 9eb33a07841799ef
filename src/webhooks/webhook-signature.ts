import { createHmac, randomBytes } from 'node:crypto';

/** `whsec_` + base64 of 24 random bytes: the Standard Webhooks secret format. */
export function mintSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * Standard Webhooks v1: `v1,` + base64 HMAC-SHA256, keyed with the secret's base64-decoded bytes, of
 * `<webhook-id>.<webhook-timestamp>.<body>`. Several secrets (during a rotation) give several
 * space-separated signatures; a receiver accepts the message when any of them verifies.
 */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
