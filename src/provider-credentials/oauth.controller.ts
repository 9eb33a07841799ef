import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../http/error-response.dto';
import { PublicRead, UserAuth } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import {
  CredentialEventListDto,
  CredentialEventQueryDto,
  CredentialHealthDto,
  CredentialHealthListDto,
  ProviderParamDto,
  StoreCredentialDto,
} from './dto/oauth.dto';
import { OAuthCredentialsService } from './oauth-credentials.service';
import { OAuthRefreshService } from './oauth-refresh.service';

/** OAuth credentials of the providers external actions use. Responses carry status and hints, never secrets. */
@ApiTags('oauth')
@Controller('api/auth/oauth')
export class OAuthController {
  constructor(
    private readonly credentials: OAuthCredentialsService,
    private readonly refresher: OAuthRefreshService,
  ) {}

  /** Status of every configured provider. */
  @Get('health')
  @PublicRead()
  async health(): Promise<CredentialHealthListDto> {
    return { providers: await this.credentials.healthOfAll() };
  }

  @Get('health/:provider')
  @PublicRead()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  healthOf(@Param() params: ProviderParamDto): Promise<CredentialHealthDto> {
    return this.credentials.healthOf(params.provider);
  }

  /** Lifecycle events, newest first (no secrets). */
  @Get('events')
  @PublicRead()
  events(@Query() query: CredentialEventQueryDto): Promise<CredentialEventListDto> {
    return this.credentials.events(query);
  }

  /** Stores or rotates a provider's client and tokens; secrets are encrypted before they reach the database. */
  @Put('credentials/:provider')
  @UserAuth('admin')
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    description: 'Invalid fields, or a token URL that is not https in production',
    type: ErrorResponseDto,
  })
  @ApiServiceUnavailableResponse({
    description: 'No AUTOPACK_CREDENTIALS_KEY configured',
    type: ErrorResponseDto,
  })
  store(
    @Param() params: ProviderParamDto,
    @Body() body: StoreCredentialDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<CredentialHealthDto> {
    return this.credentials.store(params.provider, body, actor);
  }

  /** Wipes a provider's secrets. */
  @Delete('credentials/:provider')
  @UserAuth('admin')
  @ApiNotFoundResponse({ description: 'Unknown provider, or nothing stored', type: ErrorResponseDto })
  revoke(
    @Param() params: ProviderParamDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<CredentialHealthDto> {
    return this.credentials.revoke(params.provider, actor);
  }

  /** Runs the OAuth 2.0 refresh-token grant against the stored token URL now. */
  @Post('refresh/:provider')
  @UserAuth('admin')
  @HttpCode(HttpStatus.OK)
  @ApiNotFoundResponse({ description: 'Unknown provider, or nothing stored', type: ErrorResponseDto })
  @ApiConflictResponse({
    description: 'No refresh token, or a refresh is already running',
    type: ErrorResponseDto,
  })
  @ApiBadGatewayResponse({ description: 'The provider refused the refresh', type: ErrorResponseDto })
  refresh(
    @Param() params: ProviderParamDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<CredentialHealthDto> {
    return this.refresher.refresh(params.provider, actor);
  }

  /** Resets a provider's failure counts. */
  @Post('reset/:provider')
  @UserAuth('admin')
  @HttpCode(HttpStatus.OK)
  @ApiNotFoundResponse({ description: 'Unknown provider, or nothing stored', type: ErrorResponseDto })
  reset(
    @Param() params: ProviderParamDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<CredentialHealthDto> {
    return this.credentials.reset(params.provider, actor);
  }
}
