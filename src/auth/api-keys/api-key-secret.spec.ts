import { hashApiKey, mintApiKeySecret, storedKeyPrefix } from './api-key-secret';

describe('API key secrets', () => {
  it('mints apk_-prefixed keys with 256 random bits, stored as a SHA-256 hash', () => {
    const a = mintApiKeySecret();
    const b = mintApiKeySecret();
    expect(a.key).toMatch(/^apk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(a.prefix).toBe(a.key.slice(0, 16));
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.key.slice(17));
  });

  it('finds the prefix of well-formed keys only', () => {
    const { key, prefix } = mintApiKeySecret();
    expect(storedKeyPrefix(key)).toBe(prefix);
    for (const junk of [
      '',
      'apk_dev_abc',
      `${key}x`,
      key.slice(0, -1),
      'test-instance-key-0123456789abcdef',
    ]) {
      expect(storedKeyPrefix(junk)).toBeNull();
    }
  });
});
