import { AuditModule } from '../audit/audit.module';
import { Module } from '@nestjs/common';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { JwtBearerGuard } from './jwt/jwt-bearer.guard';
import { JwtStrategy } from './jwt/jwt.strategy';
import { TokenService } from './jwt/token.service';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { OidcClient } from './sso/oidc-client';
import { SsoController } from './sso/sso.controller';
import { SsoService } from './sso/sso.service';
import { StreamTicketsService } from './stream-tickets/stream-tickets.service';
import { LoginService } from './users/login.service';
import { PasswordHasher } from './users/password-hasher';
import { PasswordsController } from './users/passwords.controller';
import { PasswordsService } from './users/passwords.service';
import { UserAuthenticator } from './users/user.authenticator';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/** Who is calling: machine keys, human users with RS256 JWTs, and the global guard that decides. */
@Module({
  imports: [AuditModule, RateLimitModule],
  controllers: [
    AuthController,
    SessionsController,
    SsoController,
    UsersController,
    PasswordsController,
    ApiKeysController,
  ],
  providers: [
    ApiKeyAuthenticator,
    ApiKeysService,
    AuthGuard,
    JwtBearerGuard,
    JwtStrategy,
    LoginService,
    OidcClient,
    PasswordHasher,
    PasswordsService,
    SessionsService,
    SsoService,
    StreamTicketsService,
    TokenService,
    UserAuthenticator,
    UsersService,
  ],
  exports: [
    ApiKeyAuthenticator,
    AuthGuard,
    ApiKeysService,
    SessionsService,
    StreamTicketsService,
    TokenService,
    UsersService,
  ],
})
export class AuthModule {}
