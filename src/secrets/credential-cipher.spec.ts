import { randomBytes } from 'node:crypto';
import { CredentialCipher, secretHint } from './credential-cipher';

describe('CredentialCipher (AES-256-GCM at rest)', () => {
  const cipher = new CredentialCipher(randomBytes(32));
  const SECRET = 'refresh-token-5b0a3f1c-never-in-plaintext';

  it('round-trips, with a fresh IV every time and no plaintext in the sealed bytes', () => {
    const a = cipher.seal(SECRET, 'oauth:etsy:refresh_token');
    const b = cipher.seal(SECRET, 'oauth:etsy:refresh_token');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from(SECRET))).toBe(false);
    expect(cipher.open(a, 'oauth:etsy:refresh_token')).toBe(SECRET);
    expect(cipher.open(b, 'oauth:etsy:refresh_token')).toBe(SECRET);
  });

  it('refuses a ciphertext that was altered anywhere', () => {
    const sealed = cipher.seal(SECRET, 'ctx');
    for (const index of [1, 13, 29, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[index] ^= 0x01;
      expect(() => cipher.open(altered, 'ctx')).toThrow();
    }
    expect(() => cipher.open(sealed.subarray(0, 20), 'ctx')).toThrow(/not a sealed credential/);
  });

  it('refuses a ciphertext moved to another provider or field, or opened with another key', () => {
    const sealed = cipher.seal(SECRET, 'oauth:etsy:refresh_token');
    expect(() => cipher.open(sealed, 'oauth:shopify:refresh_token')).toThrow();
    expect(() => cipher.open(sealed, 'oauth:etsy:access_token')).toThrow();
    expect(() => new CredentialCipher(randomBytes(32)).open(sealed, 'oauth:etsy:refresh_token')).toThrow();
  });

  it('needs a 32-byte key', () => {
    expect(() => new CredentialCipher(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('hints show at most the last four characters, and nothing of short secrets', () => {
    expect(secretHint(SECRET)).toBe('****text');
    expect(secretHint('short-secret')).toBe('****');
  });
});
