import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT_V1 = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for credential secrets at rest. A sealed value is `0x01 | iv (12) | tag (16) | ciphertext`,
 * with a fresh random IV each time. The associated data names the provider and the field, so a
 * ciphertext copied into another row or column fails to open instead of being used as something else.
 */
export class CredentialCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the credentials key must be 32 bytes');
  }

  seal(plaintext: string, associatedData: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_V1]), iv, cipher.getAuthTag(), ciphertext]);
  }

  /** The plaintext; throws when the value was altered, moved, or sealed under another key. */
  open(sealed: Buffer, associatedData: string): string {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT_V1) {
      throw new Error('not a sealed credential');
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** What a response may show of a secret: its last four characters, and only when it is long enough. */
export function secretHint(secret: string): string {
  return secret.length >= 16 ? `****${secret.slice(-4)}` : '****';
}
