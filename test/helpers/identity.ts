import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { SessionsService } from '../../src/auth/sessions/sessions.service';
import type { ApiScope, Principal, UserRole } from '../../src/auth/principal';
import { userPrincipalId } from '../../src/auth/users/user.entity';
import { UsersService } from '../../src/auth/users/users.service';
import type { TestApp } from './app';
import { rememberSecret } from './secrets';

export interface TestUser {
  id: string;
  /** `user:<id>` */
  principalId: string;
  username: string;
  password: string;
  role: UserRole;
  /** A valid access token for this user, of a session started through the real service. */
  token: string;
  sessionId: string;
  refreshToken: string;
  /** `{ Authorization: 'Bearer …' }`, for supertest's `.set(...)`. */
  auth: { Authorization: string };
  principal: Principal;
}

/**
 * A user created through the real service, signed in through the real session service (a session, an
 * access token and a refresh token; not through /login, whose per-IP budget a test would soon exhaust).
 */
export async function createUser(
  t: TestApp,
  options: { role?: UserRole; username?: string; password?: string } = {},
): Promise<TestUser> {
  const role = options.role ?? 'viewer';
  const username = options.username ?? `${role}-${randomBytes(4).toString('hex')}`;
  const password = options.password ?? `pw-${randomBytes(12).toString('base64url')}`;
  const user = await t.app.get(UsersService).create({ username, password, role });
  const session = await t.app
    .get(SessionsService)
    .startSession(user, 'password', { userAgent: 'test helper', ipAddress: null });
  const token = session.accessToken;
  const principalId = userPrincipalId(user.id);
  rememberSecret(password, token, session.refreshToken);
  return {
    id: user.id,
    principalId,
    username: user.username,
    password,
    role,
    token,
    sessionId: session.sessionId,
    refreshToken: session.refreshToken,
    auth: { Authorization: `Bearer ${token}` },
    principal: {
      kind: 'user',
      id: principalId,
      name: user.username,
      scopes: [],
      isAdmin: role === 'admin',
      role,
      sessionId: session.sessionId,
    },
  };
}

export interface TestApiKey {
  id: string;
  /** `apikey:<id>` */
  principalId: string;
  /** The secret, as sent in `X-API-Key`. */
  key: string;
  headers: { 'X-API-Key': string };
}

/** A stored API key holding `scopes`, minted through the real service (by an admin user it creates). */
export async function mintApiKey(
  t: TestApp,
  scopes: ApiScope[],
  options: { name?: string; expiresAt?: Date; createdBy?: TestUser } = {},
): Promise<TestApiKey> {
  const admin = options.createdBy ?? (await createUser(t, { role: 'admin' }));
  const { record, key } = await t.app
    .get(ApiKeysService)
    .create(
      { name: options.name ?? `key-${scopes.join('+')}`, scopes, expiresAt: options.expiresAt },
      admin.principal,
    );
  rememberSecret(key);
  return { id: record.id, principalId: `apikey:${record.id}`, key, headers: { 'X-API-Key': key } };
}

let productionSecrets: Record<string, string> | undefined;

/**
 * The secrets production insists on beyond the database and instance key (an RS256 pair and a
 * credentials key), generated once per test process.
 */
export function testProductionSecrets(): Record<string, string> {
  if (!productionSecrets) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    productionSecrets = {
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      AUTOPACK_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    };
  }
  return productionSecrets;
}
