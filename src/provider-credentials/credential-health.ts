import type { CredentialHealthDto, CredentialStatus } from './dto/oauth.dto';
import type { OAuthCredential } from './oauth-credential.entity';

/** An access token expiring within this window is reported as `expiring`. */
export const EXPIRING_WINDOW_MS = 10 * 60_000;

export function credentialStatus(row: OAuthCredential | null, now: Date): CredentialStatus {
  if (!row) return 'not_configured';
  if (row.status !== 'valid') return row.status;
  if (row.expiresAt === null) return 'valid';
  const remaining = row.expiresAt.getTime() - now.getTime();
  if (remaining <= 0) return 'expired';
  return remaining <= EXPIRING_WINDOW_MS ? 'expiring' : 'valid';
}

/** What anyone with read rights may see of a provider's credentials: status and hints, no secret. */
export function toHealthDto(
  provider: string,
  row: OAuthCredential | null,
  now = new Date(),
): CredentialHealthDto {
  const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;
  return {
    provider,
    status: credentialStatus(row, now),
    client_id: row?.clientId ?? null,
    client_secret_hint: row?.clientSecretHint ?? null,
    access_token_hint: row?.accessTokenHint ?? null,
    refresh_token_hint: row?.refreshTokenHint ?? null,
    token_url: row?.tokenUrl ?? null,
    expires_at: iso(row?.expiresAt),
    expires_in_seconds: row?.expiresAt ? Math.floor((row.expiresAt.getTime() - now.getTime()) / 1000) : null,
    consecutive_failures: row?.consecutiveFailures ?? 0,
    total_failures: row?.totalFailures ?? 0,
    last_error: row?.lastError ?? null,
    last_refreshed_at: iso(row?.lastRefreshedAt),
    last_failure_at: iso(row?.lastFailureAt),
    updated_at: iso(row?.updatedAt),
  };
}
