import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const INSTANCE_KEY_FILE = 'instance-api-key';

/**
 * Development convenience: with no AUTOPACK_API_KEY configured, generate one on first start and keep
 * it in the data directory (mode 0600) so it survives restarts. Never used in production.
 */
export function loadOrCreateDevInstanceKey(dataDir: string): { key: string; file: string; created: boolean } {
  const file = join(dataDir, INSTANCE_KEY_FILE);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return { key: readFileSync(file, 'utf8').trim(), file, created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = `apk_dev_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file, created: true };
}
