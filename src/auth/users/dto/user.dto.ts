import { KeysetListFieldsDto } from '../../../http/page-query.dto';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { USER_ROLES } from '../../principal';
import type { UserRole } from '../../principal';
import { IsAcceptablePassword, PASSWORD_MAX, PASSWORD_MIN } from '../password-policy';

export { PASSWORD_MAX, PASSWORD_MIN };

const lowercase = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,63}$/;
const USERNAME_MAX = 64;
/** A set-password token as handed out (`spt_` and 43 characters); a little room, the shape is checked later. */
export const SET_PASSWORD_TOKEN_MAX = 64;

/** A new username: the one rule for registration, the CLI and an admin's create. */
class NewUsernameDto {
  /** 3–64 characters: letters, digits, `.`, `_`, `-`; case-insensitive. */
  @Transform(lowercase)
  @IsString()
  @MaxLength(USERNAME_MAX)
  @Matches(USERNAME_PATTERN, {
    message:
      'username must be 3-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  username: string;
}

export class RegisterDto extends NewUsernameDto {
  /** 12–256 characters, not a common password (NIST SP 800-63B; see docs/AUTHENTICATION.md). */
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  @IsAcceptablePassword('username')
  password: string;
}

export class LoginDto {
  @Transform(lowercase)
  @IsString()
  @MaxLength(128)
  username: string;

  @IsString()
  @MaxLength(PASSWORD_MAX)
  password: string;

  /** `true` returns the refresh token in the body too (non-browser clients); browsers get the cookie. */
  @IsOptional()
  @IsBoolean()
  include_refresh_token?: boolean;
}

export class UserDto {
  id: string;
  /** `user:<id>`: how ownership and audit records name this user. */
  principal_id: string;
  username: string;
  role: UserRole;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

export class UserListDto extends KeysetListFieldsDto {
  users: UserDto[];
}

export class UpdateUserDto {
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  /** `true` disables the user (their tokens stop working at once); `false` enables them again. */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

/** An admin creates a user: with an initial password, or without one to get a one-time set-password link. */
export class CreateUserDto extends NewUsernameDto {
  @IsIn(USER_ROLES)
  role: UserRole;

  /**
   * The initial password (12–256 characters, not a common one). Leave it out to get a one-time
   * `set_password_token` instead, which the user redeems at `POST /api/auth/set-password`.
   */
  @IsOptional()
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  @IsAcceptablePassword('username')
  password?: string;
}

/** A one-time set-password token: shown once, stored only hashed. Hand it to the user over a private channel. */
export class SetPasswordLinkDto {
  /** Redeem at `POST /api/auth/set-password`; single use. */
  set_password_token: string;
  expires_at: string;
}

export class CreatedUserDto extends UserDto {
  /** Present when the user was created without a password. */
  set_password?: SetPasswordLinkDto;
}

/** An admin resets a user's password: a new one, or (left out) a one-time set-password link. */
export class ResetPasswordDto {
  /** The new password (12–256 characters, not a common one); leave it out to get a set-password link. */
  @IsOptional()
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  @IsAcceptablePassword()
  password?: string;
}

export class PasswordResetResultDto {
  /** How many of the user's sessions ended. */
  sessions_ended: number;
  /** Present when no password was given: the old one no longer works, the user sets one with this. */
  set_password?: SetPasswordLinkDto;
}

/** Redeems a set-password token (no sign-in needed: the token is the proof). */
export class SetPasswordDto {
  @IsString()
  @MaxLength(SET_PASSWORD_TOKEN_MAX)
  token: string;

  /** 12–256 characters, not a common password. */
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  @IsAcceptablePassword()
  password: string;
}

/** A signed-in user changes their own password. */
export class ChangePasswordDto {
  @IsString()
  @MaxLength(PASSWORD_MAX)
  current_password: string;

  /** 12–256 characters, not a common password. */
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  @IsAcceptablePassword()
  new_password: string;
}

export class PasswordChangedDto {
  /** How many of the user's other sessions ended; the session of this request stays. */
  other_sessions_ended: number;
}

export function toUserDto(user: {
  id: string;
  username: string;
  role: UserRole;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}): UserDto {
  return {
    id: user.id,
    principal_id: `user:${user.id}`,
    username: user.username,
    role: user.role,
    disabled: user.disabledAt !== null,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
