import { Controller, Get, HttpException, HttpStatus, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiFoundResponse,
  ApiNotFoundResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { RateLimit } from '../../rate-limit/rate-limit.decorator';
import { Public } from '../auth.decorators';
import { clientInfoOf, setRefreshCookie } from '../sessions/refresh-cookie';
import { AuthMethodsDto, SsoErrorDto, SsoLoginQueryDto } from './dto/sso.dto';
import { safeReturnTo } from './return-to';
import { clearSsoCookie, setSsoCookie, ssoCookieOf } from './sso-cookie';
import { SSO_REFUSAL_ANSWERS, SsoRefused } from './sso-refusal';
import type { SsoRefusalReason } from './sso-refusal';
import { SsoService } from './sso.service';

const refused = (reason: SsoRefusalReason) => {
  const { status, message } = SSO_REFUSAL_ANSWERS[reason];
  return new HttpException({ message, reason }, status);
};

const LOCATION = { Location: { description: 'Where the browser goes next', schema: { type: 'string' } } };

/**
 * The sign-in page's choices and SSO with OpenID Connect (authorization code, PKCE S256, `state`,
 * `nonce`). Browsers navigate here (no XHR): both SSO routes answer with redirects, and the console then
 * takes its access token by a cookie refresh, as after a password login.
 */
@ApiTags('auth')
@Controller('api/auth')
export class SsoController {
  constructor(
    private readonly sso: SsoService,
    private readonly config: AppConfig,
  ) {}

  /** Which sign-in methods this server offers, for the sign-in page. */
  @Get('methods')
  @Public()
  methods(): AuthMethodsDto {
    return { password: this.config.passwordLogin, sso: this.config.sso !== undefined };
  }

  /**
   * Starts an SSO sign-in: redirects the browser to the identity provider and binds the sign-in to it
   * with an `HttpOnly` cookie for the callback path. `return_to` (a path under `/console/`) is where the
   * browser lands once signed in.
   */
  @Get('sso/login')
  @Public()
  @RateLimit('sso')
  @ApiFoundResponse({ description: 'To the identity provider', headers: LOCATION })
  @ApiBadRequestResponse({ description: '`return_to` is not a path under /console/', type: SsoErrorDto })
  @ApiNotFoundResponse({ description: 'SSO is not configured', type: SsoErrorDto })
  @ApiBadGatewayResponse({ description: 'The identity provider cannot be reached', type: SsoErrorDto })
  async login(@Query() query: SsoLoginQueryDto, @Res() res: Response): Promise<void> {
    if (!this.config.sso) throw refused('sso_disabled');
    const returnTo = safeReturnTo(query.return_to);
    if (returnTo === null) throw refused('invalid_return_to');
    try {
      const { handle, location } = await this.sso.start(returnTo);
      setSsoCookie(res, this.config, handle);
      res.redirect(HttpStatus.FOUND, location);
    } catch (error) {
      throw error instanceof SsoRefused ? refused(error.reason) : error;
    }
  }

  /**
   * Where the identity provider sends the browser back. Checks the answer against the sign-in this
   * browser started (used up either way), admits the account, finds its user by issuer and subject or
   * creates a viewer, starts a session exactly as a password login does (the refresh cookie) and
   * redirects to the `return_to` of the start.
   */
  @Get('sso/callback')
  @Public()
  @RateLimit('sso')
  @ApiFoundResponse({ description: 'Signed in: to the console page named at the start', headers: LOCATION })
  @ApiBadRequestResponse({
    description:
      'No sign-in in progress in this browser (or expired, or used), or a `state` that is not its own',
    type: SsoErrorDto,
  })
  @ApiUnauthorizedResponse({
    description: 'The provider did not sign the user in, refused the code, or its answer failed validation',
    type: SsoErrorDto,
  })
  @ApiForbiddenResponse({
    description: 'Email domain or group not allowed, email not verified, or the user is disabled',
    type: SsoErrorDto,
  })
  @ApiNotFoundResponse({ description: 'SSO is not configured', type: SsoErrorDto })
  @ApiConflictResponse({
    description: "A new SSO user's username is already a local user's (an admin chose exactly that name)",
    type: ErrorResponseDto,
  })
  @ApiBadGatewayResponse({ description: 'The identity provider cannot be reached', type: SsoErrorDto })
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const settings = this.config.sso;
    if (!settings) throw refused('sso_disabled');
    const handle = ssoCookieOf(req, this.config);
    // The handle works once, whatever happens next.
    clearSsoCookie(res, this.config);
    // What the provider redirected to: the registered redirect URI (as the token request must name it)
    // with the query it added.
    const callbackUrl = new URL(settings.redirectUri);
    callbackUrl.search = new URL(req.originalUrl, 'http://callback.invalid').search;
    try {
      const { grant, returnTo } = await this.sso.finish(handle, callbackUrl, clientInfoOf(req));
      setRefreshCookie(res, this.config, grant.refreshToken, grant.sessionExpiresAt);
      res.redirect(HttpStatus.FOUND, returnTo);
    } catch (error) {
      throw error instanceof SsoRefused ? refused(error.reason) : error;
    }
  }
}
