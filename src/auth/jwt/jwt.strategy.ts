import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Authenticator } from 'passport';
import { Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config';
import type { Principal } from '../principal';
import { UserAuthenticator } from '../users/user.authenticator';
import { TokenService } from './token.service';

/** Kept outside the instance: PassportStrategy registers before subclass fields are initialised. */
type PassportInstance = InstanceType<typeof Authenticator>;
const authenticators = new WeakMap<object, PassportInstance>();

/** Tolerated clock skew between the replicas (and other verifiers) for `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** Exactly `Authorization: Bearer <one token>`; anything else presents no token. */
export function bearerToken(request: Request): string | null {
  return /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;
}

/**
 * Human access tokens, verified by passport-jwt (jsonwebtoken underneath): RS256 only, our issuer and
 * audience, at most 30 s of clock skew, and the key chosen by the token's `kid` among the current and
 * retired signing keys. A verified token still needs a live session and an enabled user (`validate`).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokenService,
    config: AppConfig,
    private readonly users: UserAuthenticator,
  ) {
    super({
      jwtFromRequest: bearerToken,
      secretOrKeyProvider: (
        _request: Request,
        rawToken: string,
        done: (error: unknown, key?: string) => void,
      ) => {
        const key = tokens.verificationKeyFor(rawToken);
        if (key) done(null, key);
        else done(new Error('unknown signing key'));
      },
      algorithms: ['RS256'],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      ignoreExpiration: false,
      jsonWebTokenOptions: {
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxAge: `${config.jwtTtlSeconds + CLOCK_TOLERANCE_SECONDS}s`,
      },
    });
  }

  /**
   * Called by PassportStrategy's constructor to register this strategy as `jwt`: in an Authenticator of
   * this app's own, not passport's process-wide one (see JwtBearerGuard).
   */
  getPassportInstance(): PassportInstance {
    const existing = authenticators.get(this);
    if (existing) return existing;
    const created: PassportInstance = new Authenticator();
    authenticators.set(this, created);
    return created;
  }

  /** The passport instance that knows this strategy as `jwt`. */
  get authenticator(): PassportInstance {
    return this.getPassportInstance();
  }

  /** The verified claims → the principal, or false (passport's "not authenticated"). */
  async validate(claims: Record<string, unknown>): Promise<Principal | false> {
    return (await this.users.principalFor(claims)) ?? false;
  }
}
