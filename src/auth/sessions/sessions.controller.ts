import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  HttpStatus,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { auditContextFor } from '../../audit/audit-context';
import { AppConfig } from '../../config/app-config';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { IdParam } from '../../http/id-param';
import { RateLimit } from '../../rate-limit/rate-limit.decorator';
import { Public, UserAuth } from '../auth.decorators';
import { CurrentPrincipal } from '../current-principal.decorator';
import type { Principal } from '../principal';
import {
  LogoutDto,
  RefreshDto,
  SessionListDto,
  SessionTokenResponseDto,
  toSessionDto,
} from './dto/session.dto';
import {
  clearRefreshCookie,
  clearSignedInHint,
  clientInfoOf,
  refreshCookieOf,
  sentCsrfHeader,
  setRefreshCookie,
} from './refresh-cookie';
import { SessionsService } from './sessions.service';
import type { SessionGrant } from './sessions.service';

/** One answer for every refresh token that opens nothing: unknown, used, expired, revoked, wrong user. */
export const INVALID_SESSION = 'Invalid or expired session; sign in again';
export const NO_REFRESH_TOKEN = 'No refresh token: send the refresh cookie or "refresh_token" in the body';
export const CSRF_REQUIRED = 'A cookie-authenticated call needs the header X-Requested-With: XMLHttpRequest';

export function tokenResponse(grant: SessionGrant, includeRefreshToken: boolean): SessionTokenResponseDto {
  return {
    access_token: grant.accessToken,
    token_type: 'bearer',
    expires_in: grant.expiresIn,
    session_id: grant.sessionId,
    session_expires_at: grant.sessionExpiresAt.toISOString(),
    ...(includeRefreshToken ? { refresh_token: grant.refreshToken } : {}),
  };
}

/**
 * The refresh token a call presents: the body's (non-browser clients), else the cookie's, which only
 * counts with the CSRF header (a cross-site form cannot send it, and we allow no CORS preflight).
 */
function presentedToken(
  req: Request,
  res: Response,
  config: AppConfig,
  body: RefreshDto,
): { token: string; fromCookie: boolean } {
  if (body.refresh_token !== undefined) return { token: body.refresh_token, fromCookie: false };
  const cookie = refreshCookieOf(req, config);
  if (cookie === undefined) {
    // A signed-in hint that outlived its refresh cookie would have the console try (and fail) on every visit.
    clearSignedInHint(res, config);
    throw new BadRequestException(NO_REFRESH_TOKEN);
  }
  if (!sentCsrfHeader(req)) throw new ForbiddenException(CSRF_REQUIRED);
  return { token: cookie, fromCookie: true };
}

/** Sessions: refresh with rotation, logout, and a user's own list of where they are signed in. */
@ApiTags('auth')
@Controller('api/auth')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Rotates a refresh token: the presented one is used up, the answer carries a new access token and the
   * next refresh token (cookie, or body when it came in the body). A used token ends its whole session.
   */
  @Post('refresh')
  @Public()
  @RateLimit('session_refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: SessionTokenResponseDto })
  @ApiBadRequestResponse({ description: 'No refresh token presented', type: ErrorResponseDto })
  @ApiUnauthorizedResponse({ description: INVALID_SESSION, type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'Cookie without X-Requested-With', type: ErrorResponseDto })
  async refresh(
    @Body() body: RefreshDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionTokenResponseDto> {
    const { token, fromCookie } = presentedToken(req, res, this.config, body);
    const outcome = await this.sessions.refresh(token, clientInfoOf(req));
    if (outcome.kind === 'invalid') {
      if (fromCookie) clearRefreshCookie(res, this.config);
      throw new UnauthorizedException(INVALID_SESSION);
    }
    if (fromCookie)
      setRefreshCookie(res, this.config, outcome.grant.refreshToken, outcome.grant.sessionExpiresAt);
    return tokenResponse(outcome.grant, !fromCookie);
  }

  /**
   * Ends the session of a refresh token (body, or the cookie with the CSRF header). Browsers, whose
   * cookie is sent only to the refresh path, log out with `DELETE /api/auth/sessions/{id}` instead.
   */
  @Post('logout')
  @Public()
  @RateLimit('session_refresh')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The session ended' })
  @ApiBadRequestResponse({ description: 'No refresh token presented', type: ErrorResponseDto })
  @ApiUnauthorizedResponse({ description: INVALID_SESSION, type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'Cookie without X-Requested-With', type: ErrorResponseDto })
  async logout(
    @Body() body: LogoutDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const { token, fromCookie } = presentedToken(req, res, this.config, body);
    const ended = await this.sessions.logout(token);
    if (fromCookie) clearRefreshCookie(res, this.config);
    if (!ended) throw new UnauthorizedException(INVALID_SESSION);
  }

  /** Where the signed-in user is signed in: their active sessions, newest first. */
  @Get('sessions')
  @UserAuth()
  async list(@CurrentPrincipal() principal: Principal): Promise<SessionListDto> {
    const sessions = await this.sessions.listActive(principal.id.slice('user:'.length));
    return { sessions: sessions.map((s) => toSessionDto(s, principal.sessionId)) };
  }

  /** Ends one of the user's own sessions (the current one is a logout); 404 for anyone else's. */
  @Delete('sessions/:id')
  @UserAuth()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The session ended' })
  @ApiNotFoundResponse({ description: 'No such active session of yours', type: ErrorResponseDto })
  async revoke(
    @IdParam('id', 'uuid', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const sessionId = id.toLowerCase();
    const current = sessionId === principal.sessionId;
    await this.sessions.revokeOne(
      principal.id.slice('user:'.length),
      sessionId,
      current ? 'logout' : 'revoked_by_user',
      auditContextFor(principal),
    );
    if (current) clearRefreshCookie(res, this.config);
  }
}
