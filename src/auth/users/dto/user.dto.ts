import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { USER_ROLES } from '../../principal';
import type { UserRole } from '../../principal';

const lowercase = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,63}$/;
const USERNAME_MAX = 64;
export const PASSWORD_MIN = 12;
/** argon2 cost grows with input; nobody's password is longer than this. */
export const PASSWORD_MAX = 256;

export class RegisterDto {
  /** 3–64 characters: letters, digits, `.`, `_`, `-`; case-insensitive. */
  @Transform(lowercase)
  @IsString()
  @MaxLength(USERNAME_MAX)
  @Matches(USERNAME_PATTERN, {
    message:
      'username must be 3-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  username: string;

  /** 12–256 characters. */
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
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

export class UserListDto {
  users: UserDto[];
  total: number;
  limit: number;
  offset: number;
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
