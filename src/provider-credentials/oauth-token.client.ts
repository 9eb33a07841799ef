import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { sendBounded } from '../outbound/outbound-http';

const MAX_RESPONSE_BYTES = 64 * 1024;
/** Tokens end up in Authorization headers: visible ASCII only, and not absurdly long. */
const MAX_TOKEN_CHARS = 8192;
const TOKEN_VALUE = /^[\x21-\x7e]+$/;
const OAUTH_ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

export interface RefreshGrantRequest {
  tokenUrl: string;
  clientId: string;
  clientSecret: string | null;
  refreshToken: string;
}

/**
 * Why a refresh failed on our side of the exchange. Otherwise the failure code is the provider's OAuth
 * `error` (RFC 6749 §5.2: `invalid_grant`, …) or `http_<status>` when it named none.
 */
export const REFRESH_TRANSPORT_ERRORS = [
  'timeout',
  'network_error',
  'forbidden_address',
  'response_too_large',
  'invalid_token_response',
] as const;
export type RefreshTransportError = (typeof REFRESH_TRANSPORT_ERRORS)[number];

export type RefreshGrantResult =
  | { ok: true; accessToken: string; refreshToken: string | null; expiresIn: number | null }
  | { ok: false; error: RefreshTransportError | string };

/**
 * The OAuth 2.0 refresh-token grant (RFC 6749 §6) over HTTP. A confidential client authenticates with
 * HTTP Basic (§2.3.1); a public client sends only its `client_id`. Failures are reduced to a short code
 * (the provider's `error`, or a transport reason): a response body may echo tokens, so none is kept.
 *
 * The provider's answer is untrusted input: it is read up to 64 KiB (then dropped), within one deadline
 * for the whole exchange, and used only if it is a 2xx JSON object with a usable bearer `access_token`.
 * Redirects are not followed (they would carry the refresh token to another address), and the host's
 * addresses are checked at connect time, so a name that resolves to a metadata or (in production) an
 * internal address is never connected to — the same rule as for literal addresses in the stored URL.
 */
@Injectable()
export class OAuthTokenClient {
  constructor(private readonly config: AppConfig) {}

  async refresh(request: RefreshGrantRequest): Promise<RefreshGrantResult> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: request.refreshToken });
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (request.clientSecret !== null) {
      const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
      const basic = Buffer.from(`${encode(request.clientId)}:${encode(request.clientSecret)}`).toString(
        'base64',
      );
      headers.Authorization = `Basic ${basic}`;
    } else {
      form.set('client_id', request.clientId);
    }
    const result = await sendBounded({
      url: request.tokenUrl,
      method: 'POST',
      headers,
      body: form.toString(),
      timeoutMs: this.config.oauthRefreshTimeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      isProduction: this.config.isProduction,
    });
    return result.ok ? interpret(result.status, result.text) : { ok: false, error: result.error };
  }
}

const usableToken = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= MAX_TOKEN_CHARS && TOKEN_VALUE.test(value);

/** RFC 6749 §5.1 and §5.2, strictly: anything unexpected is a failure, never half-used. */
function interpret(status: number, text: string): RefreshGrantResult {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON: only the status code is usable below.
  }
  if (status < 200 || status > 299) {
    const code = typeof body.error === 'string' && OAUTH_ERROR_CODE.test(body.error) ? body.error : null;
    return { ok: false, error: code ?? `http_${status}` };
  }
  if (!usableToken(body.access_token)) return { ok: false, error: 'invalid_token_response' };
  // A token of another type (mac, DPoP, …) used as a bearer token would fail or leak; absent is tolerated.
  if (body.token_type !== undefined && String(body.token_type).toLowerCase() !== 'bearer') {
    return { ok: false, error: 'invalid_token_response' };
  }
  if (body.refresh_token !== undefined && body.refresh_token !== '' && !usableToken(body.refresh_token)) {
    return { ok: false, error: 'invalid_token_response' };
  }
  let expiresIn: number | null = null;
  if (body.expires_in !== undefined && body.expires_in !== null) {
    expiresIn = Number(body.expires_in);
    // A nonsense lifetime would store a token as valid forever (or already expired): refuse it.
    if (!Number.isFinite(expiresIn) || expiresIn <= 0 || expiresIn > 10 * 365 * 86_400) {
      return { ok: false, error: 'invalid_token_response' };
    }
  }
  return {
    ok: true,
    accessToken: body.access_token,
    refreshToken:
      typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : null,
    expiresIn: expiresIn === null ? null : Math.floor(expiresIn),
  };
}
