import { KeysetListFieldsDto, PageQueryDto } from '../../http/page-query.dto';
import { ApiProperty } from '@nestjs/swagger';
import { REFRESH_TRANSPORT_ERRORS } from '../oauth-token.client';
import { IsISO8601, IsOptional, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { TIMESTAMP_MAX_LENGTH } from '../../http/input-bounds';
import type { CredentialEventType } from '../oauth-credential-event.entity';

export const PROVIDER_PATTERN = /^[a-z][a-z0-9_-]{1,31}$/;
const PROVIDER_MAX_LENGTH = 32;

export class ProviderParamDto {
  @MaxLength(PROVIDER_MAX_LENGTH)
  @Matches(PROVIDER_PATTERN, { message: 'provider must be a lowercase provider name' })
  provider: string;
}

/**
 * Stores (first time) or rotates a provider's credentials. On rotation, omitted fields keep their
 * stored value; `expires_at: null` clears the expiry.
 */
export class StoreCredentialDto {
  /** Required the first time. */
  @IsOptional()
  @IsString()
  @Length(1, 512)
  client_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 4096)
  client_secret?: string;

  @IsOptional()
  @IsString()
  @Length(1, 8192)
  access_token?: string;

  @IsOptional()
  @IsString()
  @Length(1, 8192)
  refresh_token?: string;

  /** When the access token expires (ISO-8601). */
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @MaxLength(TIMESTAMP_MAX_LENGTH)
  @IsISO8601({ strict: true })
  expires_at?: string | null;

  /** The provider's token endpoint; https is required in production. Required the first time. */
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  token_url?: string;
}

export type CredentialStatus =
  'not_configured' | 'valid' | 'expiring' | 'expired' | 'refresh_pending' | 'refresh_failed' | 'revoked';

export class CredentialHealthDto {
  provider: string;
  status: CredentialStatus;
  client_id: string | null;
  /** The last four characters at most, e.g. `****9f2c`; the secrets themselves are never returned. */
  client_secret_hint: string | null;
  access_token_hint: string | null;
  refresh_token_hint: string | null;
  token_url: string | null;
  expires_at: string | null;
  /** Negative once expired. */
  expires_in_seconds: number | null;
  consecutive_failures: number;
  total_failures: number;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'Why the last refresh failed: a transport failure (' +
      REFRESH_TRANSPORT_ERRORS.map((code) => `\`${code}\``).join(', ') +
      "), the provider's OAuth `error` (RFC 6749 §5.2, e.g. `invalid_grant`), or `http_<status>` when it named none.",
  })
  last_error: string | null;
  last_refreshed_at: string | null;
  last_failure_at: string | null;
  updated_at: string | null;
}

export class CredentialHealthListDto {
  providers: CredentialHealthDto[];
}

export class CredentialEventDto {
  id: string;
  provider: string;
  event: CredentialEventType;
  actor: string;
  detail: Record<string, unknown>;
  created_at: string;
}

export class CredentialEventListDto extends KeysetListFieldsDto {
  events: CredentialEventDto[];
}

/** `?provider=…` and the shared paging (50 per page unless asked). */
export class CredentialEventQueryDto extends PageQueryDto {
  @IsOptional()
  @MaxLength(PROVIDER_MAX_LENGTH)
  @Matches(PROVIDER_PATTERN, { message: 'provider must be a lowercase provider name' })
  provider?: string;

  override limit?: number = 50;
}
