import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Session } from '../session.entity';

export class SessionTokenResponseDto {
  access_token: string;
  token_type: 'bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
  /** The session this sign-in started (the access token's `sid`). */
  session_id: string;
  /** When the session ends at the latest, however active. */
  session_expires_at: string;
  /**
   * Only when the client asked for it (`include_refresh_token: true` at login, or a refresh that sent its
   * token in the body); browsers get it as the `HttpOnly` cookie instead.
   */
  refresh_token?: string;
}

export class RefreshDto {
  /** For non-browser clients; browsers send the cookie (and `X-Requested-With: XMLHttpRequest`) instead. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  refresh_token?: string;
}

export class LogoutDto extends RefreshDto {}

export class SessionDto {
  id: string;
  /** `password` or `sso`. */
  method: string;
  created_at: string;
  /** The sign-in or the last refresh. */
  last_used_at: string;
  expires_at: string;
  user_agent: string | null;
  ip_address: string | null;
  /** True for the session of the access token making this request. */
  current: boolean;
}

/** A session as its user (or an admin) sees it; `current` marks the session making the request. */
export const toSessionDto = (session: Session, currentId: string | undefined): SessionDto => ({
  id: session.id,
  method: session.method,
  created_at: session.createdAt.toISOString(),
  last_used_at: session.lastUsedAt.toISOString(),
  expires_at: session.expiresAt.toISOString(),
  user_agent: session.userAgent,
  ip_address: session.ipAddress,
  current: session.id === currentId,
});

export class SessionListDto {
  sessions: SessionDto[];
}

export class RevokedSessionsDto {
  /** How many sessions ended. */
  revoked: number;
}

export class IncludeRefreshTokenDto {
  /** `true` returns the refresh token in the body too (non-browser clients). */
  @IsOptional()
  @IsBoolean()
  include_refresh_token?: boolean;
}
