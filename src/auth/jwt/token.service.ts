import { Injectable, Logger } from '@nestjs/common';
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import type { UserRole } from '../principal';

/** The claims this server puts into an access token and relies on when it reads one back. */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  /** The user's uuid. */
  sub: string;
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

const MAX_TOKEN_LENGTH = 8 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function parseJsonSegment(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Mints and checks RS256 access tokens with `node:crypto` alone. Verification accepts exactly one
 * algorithm (RS256) and one key id, so `alg: none`, HS256-with-the-public-key and foreign keys fail
 * before any claim is read. Without configured keys (never in production: loadConfig refuses) an
 * ephemeral pair is generated, which means tokens do not survive a restart.
 */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public key: stable for a key, different for any other. */
  readonly kid: string;

  constructor(private readonly config: AppConfig) {
    if (config.jwtPrivateKey && config.jwtPublicKey) {
      this.privateKey = createPrivateKey(config.jwtPrivateKey);
      this.publicKey = createPublicKey(config.jwtPublicKey);
    } else {
      if (config.isProduction) throw new Error('production requires JWT_PRIVATE_KEY and JWT_PUBLIC_KEY');
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.privateKey = pair.privateKey;
      this.publicKey = pair.publicKey;
      if (config.env !== 'test') {
        this.logger.warn(
          'JWT_PRIVATE_KEY/JWT_PUBLIC_KEY are not set: using an ephemeral RS256 key pair; ' +
            'every token becomes invalid when the process restarts (production refuses this)',
        );
      }
    }
    const jwk = this.publicKey.export({ format: 'jwk' });
    this.kid = createHash('sha256')
      .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
      .digest('base64url');
  }

  issue(user: { id: string; username: string; role: UserRole }): IssuedToken {
    const now = Math.floor(Date.now() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.config.jwtIssuer,
      aud: this.config.jwtAudience,
      sub: user.id,
      iat: now,
      exp: now + this.config.jwtTtlSeconds,
      jti: randomUUID(),
      username: user.username,
      role: user.role,
    };
    const header = { alg: 'RS256', typ: 'JWT', kid: this.kid };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: this.privateKey,
      padding: constants.RSA_PKCS1_PADDING,
    });
    return { accessToken: `${input}.${b64url(signature)}`, expiresIn: this.config.jwtTtlSeconds };
  }

  /** The claims of a token this server issued and that is still valid; null for anything else. */
  verify(token: string): AccessTokenClaims | null {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return null;
    const [encodedHeader, encodedPayload, encodedSignature] = parts;

    const header = parseJsonSegment(encodedHeader);
    // The algorithm is fixed by the server, never chosen by the token.
    if (!header || header.alg !== 'RS256' || header.kid !== this.kid || header.crit !== undefined)
      return null;

    const valid = verify(
      'sha256',
      Buffer.from(`${encodedHeader}.${encodedPayload}`),
      { key: this.publicKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(encodedSignature, 'base64url'),
    );
    if (!valid) return null;

    const claims = parseJsonSegment(encodedPayload);
    if (!claims) return null;
    const now = Math.floor(Date.now() / 1000);
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.iss !== this.config.jwtIssuer) return null;
    if (!audience.includes(this.config.jwtAudience)) return null;
    if (typeof claims.exp !== 'number' || claims.exp <= now) return null;
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) return null;
    if (typeof claims.sub !== 'string' || !UUID.test(claims.sub)) return null;
    return claims as unknown as AccessTokenClaims;
  }

  /** The JSON Web Key Set that lets other services verify our tokens. */
  jwks(): { keys: PublicJwk[] } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: jwk.kty ?? 'RSA', n: jwk.n, e: jwk.e, kid: this.kid, alg: 'RS256', use: 'sig' }] };
  }
}
