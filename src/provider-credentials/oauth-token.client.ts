import { Injectable } from '@nestjs/common';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AppConfig } from '../config/app-config';
import { forbiddenAddressProblem } from './token-url';

const MAX_RESPONSE_BYTES = 64 * 1024;
/** Tokens end up in Authorization headers: visible ASCII only, and not absurdly long. */
const MAX_TOKEN_CHARS = 8192;
const TOKEN_VALUE = /^[\x21-\x7e]+$/;
const OAUTH_ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;
/** Marks a connection refused because the host resolved to a forbidden address. */
const FORBIDDEN_ADDRESS = 'ERR_AUTOPACK_FORBIDDEN_ADDRESS';

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

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

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

  refresh(request: RefreshGrantRequest): Promise<RefreshGrantResult> {
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
    const body = form.toString();
    headers['Content-Length'] = String(Buffer.byteLength(body));

    const url = new URL(request.tokenUrl);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<RefreshGrantResult>((resolve) => {
      let settled = false;
      const finish = (result: RefreshGrantResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        outgoing.destroy();
        resolve(result);
      };
      const deadline = setTimeout(
        () => finish({ ok: false, error: 'timeout' }),
        this.config.oauthRefreshTimeoutMs,
      );
      const outgoing = send(url, { method: 'POST', headers, lookup: this.checkedLookup }, (response) =>
        readBounded(
          response,
          (text) =>
            finish(text === null ? { ok: false, error: 'response_too_large' } : interpret(response, text)),
          () => finish({ ok: false, error: 'network_error' }),
        ),
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) =>
        finish({
          ok: false,
          error: error.code === FORBIDDEN_ADDRESS ? 'forbidden_address' : 'network_error',
        }),
      );
      outgoing.end(body);
    });
  }

  /** dns.lookup, refusing every answer that holds a forbidden address (no partial use of a mixed answer). */
  private readonly checkedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const forbidden = addresses.find((a) => forbiddenAddressProblem(a.address, this.config.isProduction));
      if (forbidden) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to a forbidden address`);
        refused.code = FORBIDDEN_ADDRESS;
        return callback(refused, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * Hands over the body as text, or null as soon as it passes the size cap (the rest is not read). Called
 * before the response is destroyed, so the cap, not the reset it causes, is what gets reported.
 */
function readBounded(
  response: IncomingMessage,
  done: (text: string | null) => void,
  failed: () => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      done(null);
      response.destroy();
      return;
    }
    chunks.push(chunk);
  });
  response.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  // A connection dropped mid-body: the body is incomplete, so none of it is used.
  response.on('error', failed);
  response.on('aborted', failed);
}

const usableToken = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= MAX_TOKEN_CHARS && TOKEN_VALUE.test(value);

/** RFC 6749 §5.1 and §5.2, strictly: anything unexpected is a failure, never half-used. */
function interpret(response: IncomingMessage, text: string): RefreshGrantResult {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON: only the status code is usable below.
  }
  const status = response.statusCode ?? 0;
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
