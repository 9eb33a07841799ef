import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '../principal';
import { JwtStrategy } from './jwt.strategy';

/**
 * Runs this app's passport-jwt strategy for the global AuthGuard, which alone decides what a failure
 * means: a missing, bad or dead token is `null`, never an exception.
 *
 * Not @nestjs/passport's AuthGuard: that one looks strategies up in passport's process-wide registry, so
 * two apps in one process (tests, a replica pair) would verify with whichever registered last; and handing
 * it a strategy instance instead makes passport augment that one shared object per request, a race between
 * concurrent requests. The app's own passport `Authenticator` (see JwtStrategy) does neither.
 */
@Injectable()
export class JwtBearerGuard {
  constructor(private readonly strategy: JwtStrategy) {}

  authenticate(request: Request, response: Response): Promise<Principal | null> {
    return new Promise((resolve, reject) => {
      const middleware = this.strategy.authenticator.authenticate(
        'jwt',
        { session: false },
        (error: unknown, user: Principal | false | undefined) => resolve(error || !user ? null : user),
      ) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
      middleware(request, response, (error?: unknown) => (error ? reject(error) : resolve(null)));
    });
  }
}
