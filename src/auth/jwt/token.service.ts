import { Injectable, Logger } from '@nestjs/common';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { AppConfig } from '../../config/app-config';
import type { UserRole } from '../principal';

/** The claims this server puts into an access token and relies on when it reads one back. */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  /** The user's uuid. */
  sub: string;
  /** The session (sign-in) the token belongs to: revoking the session stops the token. */
  sid: string;
  iat: number;
  exp: number;
  jti: string;
  /** Informational only: the guard reads the current role from the database. */
  username: string;
  role: UserRole;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

export interface PublicJwk {
  kty: string;
  n?: string;
  e?: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

/** A key that verifies tokens: the current signing key's public half, or a retired key's. */
interface VerificationKey {
  kid: string;
  pem: string;
  jwk: PublicJwk;
}

/** Longer than any token this server mints by far; refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** RFC 7638 thumbprint of an RSA public key: stable for a key, different for any other. */
function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  return createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
    .digest('base64url');
}

function verificationKey(publicKey: KeyObject): VerificationKey {
  const kid = keyIdOf(publicKey);
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    kid,
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { kty: jwk.kty ?? 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' },
  };
}

/**
 * The signing keys of access tokens. New tokens are signed (RS256, `jsonwebtoken`) with the current key;
 * verification (passport-jwt, see jwt.strategy.ts) finds its key by the token's `kid` among the current key
 * and the retired ones (`JWT_PREVIOUS_PUBLIC_KEYS`), so tokens minted before a rotation stay valid until
 * they expire. Without configured keys (never in production: loadConfig refuses) an ephemeral pair is
 * generated, which means tokens do not survive a restart.
 */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);
  private readonly privateKey: KeyObject;
  private readonly keys = new Map<string, VerificationKey>();
  /** The key id of the current signing key. */
  readonly kid: string;

  constructor(private readonly config: AppConfig) {
    let publicKey: KeyObject;
    if (config.jwtPrivateKey && config.jwtPublicKey) {
      this.privateKey = createPrivateKey(config.jwtPrivateKey);
      publicKey = createPublicKey(config.jwtPublicKey);
    } else {
      if (config.isProduction) throw new Error('production requires JWT_PRIVATE_KEY and JWT_PUBLIC_KEY');
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.privateKey = pair.privateKey;
      publicKey = pair.publicKey;
      if (config.env !== 'test') {
        this.logger.warn(
          'JWT_PRIVATE_KEY/JWT_PUBLIC_KEY are not set: using an ephemeral RS256 key pair; ' +
            'every token becomes invalid when the process restarts (production refuses this)',
        );
      }
    }
    const current = verificationKey(publicKey);
    this.kid = current.kid;
    this.keys.set(current.kid, current);
    for (const retired of config.jwtPreviousPublicKeys) {
      const key = verificationKey(createPublicKey(retired));
      if (!this.keys.has(key.kid)) this.keys.set(key.kid, key);
    }
  }

  issue(user: { id: string; username: string; role: UserRole }, sessionId: string): IssuedToken {
    const accessToken = sign({ sid: sessionId, username: user.username, role: user.role }, this.privateKey, {
      algorithm: 'RS256',
      keyid: this.kid,
      issuer: this.config.jwtIssuer,
      audience: this.config.jwtAudience,
      subject: user.id,
      expiresIn: this.config.jwtTtlSeconds,
      jwtid: randomUUID(),
    });
    return { accessToken, expiresIn: this.config.jwtTtlSeconds };
  }

  /**
   * The PEM public key that verifies a token with this header's `kid`, or undefined. Only RS256 is ever
   * verified (passport-jwt is told so too); a header with `crit` names extensions this server does not
   * implement and is refused (RFC 7515 §4.1.11).
   */
  verificationKeyFor(rawToken: string): string | undefined {
    if (rawToken.length > MAX_TOKEN_LENGTH) return undefined;
    const header = decodeHeader(rawToken);
    if (!header || header.alg !== 'RS256' || header.crit !== undefined || typeof header.kid !== 'string') {
      return undefined;
    }
    return this.keys.get(header.kid)?.pem;
  }

  /** The JSON Web Key Set that lets other services verify our tokens: the current key first. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: [...this.keys.values()].map((key) => key.jwk) };
  }
}

function decodeHeader(token: string): Record<string, unknown> | undefined {
  const [encoded] = token.split('.');
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
