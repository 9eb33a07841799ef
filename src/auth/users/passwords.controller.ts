import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { RateLimit } from '../../rate-limit/rate-limit.decorator';
import { Public, UserAuth } from '../auth.decorators';
import { CurrentPrincipal } from '../current-principal.decorator';
import type { Principal } from '../principal';
import { ChangePasswordDto, PasswordChangedDto, SetPasswordDto } from './dto/user.dto';
import { INVALID_SET_PASSWORD_TOKEN, PasswordsService, WRONG_CURRENT_PASSWORD } from './passwords.service';

/** A user sets their password: with a one-time token from an admin, or by changing their own. */
@ApiTags('auth')
@Controller('api/auth')
export class PasswordsController {
  constructor(private readonly passwords: PasswordsService) {}

  /**
   * Redeems a one-time set-password token (from an admin's create or reset): sets the password and ends
   * every session of the user. Then sign in with `POST /api/auth/login`.
   */
  @Post('set-password')
  @Public()
  @RateLimit('login')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The password is set' })
  @ApiBadRequestResponse({ description: INVALID_SET_PASSWORD_TOKEN, type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({ description: 'A password the policy refuses', type: ErrorResponseDto })
  async setPassword(@Body() body: SetPasswordDto): Promise<void> {
    await this.passwords.redeem(body.token, body.password);
  }

  /**
   * Changes the signed-in user's own password; the current one is required. Every other session of the
   * user ends; the session of this request stays signed in.
   */
  @Post('me/password')
  @UserAuth()
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PasswordChangedDto })
  @ApiForbiddenResponse({ description: WRONG_CURRENT_PASSWORD, type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    description: 'A password the policy refuses, or the same as the current one',
    type: ErrorResponseDto,
  })
  async changeOwn(
    @Body() body: ChangePasswordDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PasswordChangedDto> {
    const { otherSessionsEnded } = await this.passwords.changeOwn(
      principal,
      body.current_password,
      body.new_password,
    );
    return { other_sessions_ended: otherSessionsEnded };
  }
}
