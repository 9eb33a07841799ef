import { ANONYMOUS_PRINCIPAL } from './principal';
import { auditContextFor } from '../audit/audit-context';
import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { ErrorResponseDto } from '../http/error-response.dto';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { reportTighterBudget } from '../rate-limit/rate-limit-headers';
import { Public, UserAuth } from './auth.decorators';
import { CurrentPrincipal } from './current-principal.decorator';
import { JwksDto } from './jwt/jwks.dto';
import { TokenService } from './jwt/token.service';
import type { Principal } from './principal';
import { SessionTokenResponseDto } from './sessions/dto/session.dto';
import { clientInfoOf, setRefreshCookie } from './sessions/refresh-cookie';
import { tokenResponse } from './sessions/sessions.controller';
import { LoginDto, RegisterDto, toUserDto, UserDto } from './users/dto/user.dto';
import { LoginService } from './users/login.service';
import { PASSWORD_LOGIN_DISABLED, PasswordLoginDisabledDto } from './sso/dto/sso.dto';
import { UsersService } from './users/users.service';

export const INVALID_LOGIN = 'Invalid username or password';

/**
 * Password sign-in is switched off (`AUTOPACK_PASSWORD_LOGIN=0`, SSO only): refused before any user or
 * password is looked at.
 */
const passwordLoginDisabled = () =>
  new ForbiddenException({
    message: 'Password sign-in is switched off on this server; sign in with SSO',
    reason: PASSWORD_LOGIN_DISABLED,
  });

/** Sign-up, sign-in, who-am-I and the public key set: the human side of authentication. */
@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly login: LoginService,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
  ) {}

  /** Creates a `viewer`. Closed in production unless AUTOPACK_ALLOW_REGISTRATION=1. */
  @Post('register')
  @Public()
  @RateLimit('login')
  @ApiConflictResponse({ description: 'The username is taken', type: ErrorResponseDto })
  @ApiForbiddenResponse({
    description:
      'Registration is closed (production), or password sign-in is switched off (`reason: password_login_disabled`)',
    type: PasswordLoginDisabledDto,
  })
  @ApiUnprocessableEntityResponse({
    description: 'Invalid username or password rules',
    type: ErrorResponseDto,
  })
  async register(@Body() body: RegisterDto): Promise<UserDto> {
    if (!this.config.passwordLogin) throw passwordLoginDisabled();
    if (!this.config.allowRegistration) {
      throw new ForbiddenException('Registration is closed; an admin creates users');
    }
    return toUserDto(
      await this.users.create(
        { username: body.username, password: body.password, role: 'viewer' },
        auditContextFor(ANONYMOUS_PRINCIPAL),
      ),
    );
  }

  /**
   * Exchanges a username and password for a session: an RS256 access token in the body and the refresh
   * token as an `HttpOnly; Secure; SameSite=Strict` cookie for the refresh path (in the body too when
   * `include_refresh_token` is true).
   */
  @Post('login')
  @Public()
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: SessionTokenResponseDto })
  @ApiUnauthorizedResponse({
    description: 'Unknown user, wrong password or disabled user (one answer)',
    type: ErrorResponseDto,
  })
  @ApiForbiddenResponse({
    description: 'Password sign-in is switched off (`reason: password_login_disabled`): sign in with SSO',
    type: PasswordLoginDisabledDto,
  })
  @ApiUnprocessableEntityResponse({ description: 'Malformed body', type: ErrorResponseDto })
  async signIn(
    @Body() body: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionTokenResponseDto> {
    if (!this.config.passwordLogin) throw passwordLoginDisabled();
    const outcome = await this.login.login(body.username, body.password, clientInfoOf(req));
    reportTighterBudget(res, outcome.budget);
    if (outcome.kind === 'throttled') {
      res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
      throw new HttpException(
        'Too many login attempts; retry after the number of seconds in Retry-After',
        429,
      );
    }
    if (outcome.kind === 'invalid') throw new UnauthorizedException(INVALID_LOGIN);
    setRefreshCookie(res, this.config, outcome.grant.refreshToken, outcome.grant.sessionExpiresAt);
    return tokenResponse(outcome.grant, body.include_refresh_token === true);
  }

  /** The signed-in user. */
  @Get('me')
  @UserAuth()
  async me(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    const user = await this.users.findById(principal.id.slice('user:'.length));
    // The guard has just read this user; it can only be gone if deleted in between.
    if (!user) throw new UnauthorizedException('Missing or invalid credentials');
    return toUserDto(user);
  }

  /** The public keys that verify access tokens (RFC 7517), for other services. */
  @Get('.well-known/jwks.json')
  @Public()
  jwks(): JwksDto {
    return this.tokens.jwks();
  }
}
