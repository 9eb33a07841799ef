import { createHash, randomBytes } from 'node:crypto';

/** `apk_<12 hex: the visible prefix>_<43 base64url: 256 random bits>`. */
const STORED_KEY = /^(apk_[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export interface MintedSecret {
  /** The whole key: handed to the caller once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export const hashApiKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export function mintApiKeySecret(): MintedSecret {
  const prefix = `apk_${randomBytes(6).toString('hex')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The prefix of something shaped like a stored key, else null (no database lookup for junk). */
export function storedKeyPrefix(presented: string): string | null {
  return STORED_KEY.exec(presented)?.[1] ?? null;
}
