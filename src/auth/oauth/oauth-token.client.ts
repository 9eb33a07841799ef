import { Injectable } from '@nestjs/common';

const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
const OAUTH_ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

export interface RefreshGrantRequest {
  tokenUrl: string;
  clientId: string;
  clientSecret: string | null;
  refreshToken: string;
}

export type RefreshGrantResult =
  | { ok: true; accessToken: string; refreshToken: string | null; expiresIn: number | null }
  | { ok: false; error: string };

/**
 * The OAuth 2.0 refresh-token grant (RFC 6749 §6) over HTTP. A confidential client authenticates with
 * HTTP Basic (§2.3.1); a public client sends only its `client_id`. Failures are reduced to a short code
 * (the provider's `error`, or a transport reason): a response body may echo tokens, so none is kept.
 * Redirects are not followed: they would carry the refresh token to another address.
 */
@Injectable()
export class OAuthTokenClient {
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

    let response: Response;
    try {
      response = await fetch(request.tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      return { ok: false, error: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network_error' };
    }

    const text = await response.text().catch(() => '');
    if (text.length > MAX_RESPONSE_BYTES) return { ok: false, error: 'response_too_large' };
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: only the status code is usable below.
    }

    if (!response.ok) {
      const code = typeof body.error === 'string' && OAUTH_ERROR_CODE.test(body.error) ? body.error : null;
      return { ok: false, error: code ?? `http_${response.status}` };
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      return { ok: false, error: 'invalid_token_response' };
    }
    const expiresIn = Number(body.expires_in);
    return {
      ok: true,
      accessToken: body.access_token,
      refreshToken:
        typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : null,
      expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? Math.floor(expiresIn) : null,
    };
  }
}
