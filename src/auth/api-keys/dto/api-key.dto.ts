import { KeysetListFieldsDto } from '../../../http/page-query.dto';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { TIMESTAMP_MAX_LENGTH, UUID_LENGTH } from '../../../http/input-bounds';

/** `user:` and a UUID. */
const USER_PRINCIPAL_LENGTH = 'user:'.length + UUID_LENGTH;
import { API_SCOPES } from '../../principal';
import type { ApiScope } from '../../principal';
import { apiKeyPrincipalId, apiKeyStatus } from '../api-key.entity';
import type { ApiKeyRecord, ApiKeyStatus } from '../api-key.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateApiKeyDto {
  /** What the key is for, e.g. `executor-build-01`. */
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  name: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(API_SCOPES.length)
  @IsIn(API_SCOPES, { each: true })
  scopes: ApiScope[];

  /** The user the key acts for (`user:<uuid>`); defaults to the admin who creates it. */
  @IsOptional()
  @MaxLength(USER_PRINCIPAL_LENGTH)
  @Matches(/^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: 'owner must be a user principal id: user:<uuid>',
  })
  owner?: string;

  /** ISO-8601 instant in the future; omitted: the key does not expire. */
  @IsOptional()
  @MaxLength(TIMESTAMP_MAX_LENGTH)
  @IsISO8601({ strict: true })
  expires_at?: string;
}

export class ApiKeyDto {
  id: string;
  /** `apikey:<id>`: how ownership and audit records name this key. */
  principal_id: string;
  name: string;
  /** The visible start of the key, to recognise it; not a secret. */
  prefix: string;
  scopes: ApiScope[];
  owner: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  status: ApiKeyStatus;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  /** The secret key. Shown only in this response: store it now, it cannot be retrieved again. */
  key: string;
}

export class ApiKeyListDto extends KeysetListFieldsDto {
  api_keys: ApiKeyDto[];
}

export function toApiKeyDto(record: ApiKeyRecord): ApiKeyDto {
  return {
    id: record.id,
    principal_id: apiKeyPrincipalId(record.id),
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes,
    owner: record.owner,
    created_by: record.createdBy,
    created_at: record.createdAt.toISOString(),
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
    expires_at: record.expiresAt?.toISOString() ?? null,
    revoked_at: record.revokedAt?.toISOString() ?? null,
    status: apiKeyStatus(record),
  };
}
