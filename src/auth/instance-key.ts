import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const INSTANCE_KEY_FILE = 'instance-api-key';
export const DEV_JWT_PRIVATE_KEY_FILE = 'jwt-dev-private-key.pem';

/**
 * The content of `dataDir/name`, created with `create()` (mode 0600) when absent. Safe when several
 * processes share the directory and start together (replicas on one volume): the file appears whole and
 * at most once (written aside, then hard-linked into place, which fails when another process won), and
 * every process reads the winner's content.
 */
function loadOrCreateDevFile(
  dataDir: string,
  name: string,
  create: () => string,
  platform: NodeJS.Platform = process.platform,
) {
  const file = join(dataDir, name);
  // UTF-8 explicitly, without the byte-order mark a Windows editor may add.
  const read = () => readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  if (existsSync(file)) {
    // POSIX modes protect the file here; on Windows the user profile's ACL does (docs/DEPLOYMENT.md).
    if (platform !== 'win32') chmodSync(file, 0o600);
    return { content: read(), file, created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(aside, create(), { mode: 0o600, encoding: 'utf8' });
  try {
    linkSync(aside, file);
    return { content: read(), file, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { content: read(), file, created: false };
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Development convenience: with no AUTOPACK_API_KEY configured, generate one on first start and keep
 * it in the data directory (mode 0600) so it survives restarts. Never used in production.
 */
export function loadOrCreateDevInstanceKey(
  dataDir: string,
  platform: NodeJS.Platform = process.platform,
): { key: string; file: string; created: boolean } {
  const { content, file, created } = loadOrCreateDevFile(
    dataDir,
    INSTANCE_KEY_FILE,
    () => `apk_dev_${randomBytes(32).toString('base64url')}\n`,
    platform,
  );
  return { key: content.trim(), file, created };
}

/**
 * Development convenience: with no JWT_PRIVATE_KEY/JWT_PUBLIC_KEY configured, one RS256 pair kept in the
 * data directory (mode 0600), so that replicas sharing it accept each other's tokens and sign-ins survive
 * a restart. Never used in production (which refuses to start without the keys).
 */
export function loadOrCreateDevJwtKeys(dataDir: string): {
  privateKey: string;
  publicKey: string;
  file: string;
} {
  const { content, file } = loadOrCreateDevFile(dataDir, DEV_JWT_PRIVATE_KEY_FILE, () =>
    generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  );
  const publicKey = createPublicKey(createPrivateKey(content))
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { privateKey: content, publicKey, file };
}
