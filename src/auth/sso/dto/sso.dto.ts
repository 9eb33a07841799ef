import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ErrorResponseDto } from '../../../http/error-response.dto';
import { RETURN_TO_MAX } from '../return-to';
import { SSO_REFUSALS } from '../sso-refusal';
import type { SsoRefusalReason } from '../sso-refusal';

/** What the sign-in page should offer. */
export class AuthMethodsDto {
  /** `POST /api/auth/login` accepts passwords (off with `AUTOPACK_PASSWORD_LOGIN=0`). */
  password: boolean;
  /** `GET /api/auth/sso/login` starts an OpenID Connect sign-in. */
  sso: boolean;
}

export class SsoLoginQueryDto {
  /** The console page to land on after sign-in: a relative path under `/console/` (default `/console/`). */
  @IsOptional()
  @IsString()
  @MaxLength(RETURN_TO_MAX)
  return_to?: string;
}

/**
 * A refused SSO sign-in; `reason` says why (docs/AUTHENTICATION.md, "SSO"). A malformed query parameter is
 * the usual validation 400 instead (`detail`, no `reason`).
 */
export class SsoErrorDto extends ErrorResponseDto {
  @ApiProperty({ enum: SSO_REFUSALS, enumName: 'SsoRefusalReason', required: false })
  reason?: SsoRefusalReason;
}

export const PASSWORD_LOGIN_DISABLED = 'password_login_disabled';

/** 403 of a password sign-in or registration; `reason` is set when password login is switched off. */
export class PasswordLoginDisabledDto extends ErrorResponseDto {
  @ApiProperty({ enum: [PASSWORD_LOGIN_DISABLED], required: false })
  reason?: typeof PASSWORD_LOGIN_DISABLED;
}
