import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const INSTANCE_KEY_FILE = 'instance-api-key';

/**
 * Development convenience: with no AUTOPACK_API_KEY configured, generate one on first start and keep
 * it in the data directory so it survives restarts. Never used in production.
 *
 * On POSIX the file is mode 0600 (re-applied on every start). Windows ignores POSIX modes: there the key is
 * protected by the data directory's ACL, inherited from the user profile or project folder it sits in
 * (docs/DEPLOYMENT.md, "Windows"). The file is UTF-8; a BOM or CRLF an editor added is tolerated.
 */
export function loadOrCreateDevInstanceKey(
  dataDir: string,
  platform: NodeJS.Platform = process.platform,
): { key: string; file: string; created: boolean } {
  const file = join(dataDir, INSTANCE_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const key = `apk_dev_${randomBytes(32).toString('base64url')}`;
    try {
      // `wx`: never overwrite a key another process created a moment ago (two servers starting at once).
      writeFileSync(file, `${key}\n`, { mode: 0o600, encoding: 'utf8', flag: 'wx' });
      return { key, file, created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  if (platform !== 'win32') chmodSync(file, 0o600);
  return {
    key: readFileSync(file, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim(),
    file,
    created: false,
  };
}
