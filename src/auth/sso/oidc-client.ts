import { Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig } from '../../config/app-config';
import type { SsoSettings } from '../../config/app-config';
import type { SsoClaims } from './sso-policy';

/** How long one call to the provider (discovery, token, userinfo) may take, the answer included. */
const PROVIDER_TIMEOUT_SECONDS = 10;

/** What the callback checks against: the values this server chose when the sign-in started. */
export interface CallbackChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Why talking to the provider failed, in the words the API answers with (docs/AUTHENTICATION.md, "SSO"). */
export type ProviderFailure =
  /** The provider sent the user back with an error (they cancelled, or it refused them). */
  | 'provider_denied'
  /** The token endpoint refused the code: used already, expired, issued to another client or for another redirect. */
  | 'code_rejected'
  /** The answer failed validation: `iss` of the response, the ID token's signature, issuer, audience, nonce, expiry. */
  | 'response_invalid'
  /** The provider could not be reached or timed out. */
  | 'provider_unreachable';

export class ProviderError extends Error {
  constructor(readonly reason: ProviderFailure) {
    super(`OpenID provider: ${reason}`);
  }
}

/** Names of what fetch throws when the provider cannot be reached or answers too late. */
const NETWORK_ERRORS = new Set(['TypeError', 'AbortError', 'TimeoutError']);

/**
 * Errors of openid-client and of fetch, sorted into what the caller can tell the user. Never their text.
 * By name, not `instanceof`: fetch's errors may come from another realm (Node's undici, a test runner).
 */
function failureOf(error: unknown): ProviderFailure {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AuthorizationResponseError') return 'provider_denied';
  if (name === 'ResponseBodyError') return 'code_rejected';
  for (let link: unknown = error, depth = 0; link && depth < 4; depth++) {
    if (NETWORK_ERRORS.has((link as { name?: string }).name ?? '')) return 'provider_unreachable';
    link = (link as { cause?: unknown }).cause;
  }
  return 'response_invalid';
}

/**
 * The relying party, built on openid-client (certified): discovery, the authorization URL with PKCE
 * (S256), `state` and `nonce`, and the code exchange with every check the library makes (RFC 9207 `iss`,
 * ID token signature, issuer, audience, expiry, nonce). Discovery is cached once it succeeds; a failed
 * one is retried at the next sign-in, so a provider that was down at start does not need a restart.
 */
@Injectable()
export class OidcClient {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(private readonly config: AppConfig) {}

  private get settings(): SsoSettings {
    if (!this.config.sso) throw new Error('SSO is not configured');
    return this.config.sso;
  }

  private configuration(): Promise<oidc.Configuration> {
    if (!this.discovered) {
      const settings = this.settings;
      const issuer = new URL(settings.issuer);
      this.discovered = oidc
        .discovery(
          issuer,
          settings.clientId,
          { redirect_uris: [settings.redirectUri], response_types: ['code'] },
          oidc.ClientSecretBasic(settings.clientSecret),
          {
            timeout: PROVIDER_TIMEOUT_SECONDS,
            // Outside production only (production refuses an http issuer at start): a provider on loopback.
            execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
          },
        )
        .catch((error: unknown) => {
          this.discovered = undefined;
          throw new ProviderError(
            failureOf(error) === 'provider_unreachable' ? 'provider_unreachable' : 'response_invalid',
          );
        });
    }
    return this.discovered;
  }

  /** Fresh `state`, `nonce` and PKCE verifier, and the provider URL that carries them (the verifier as S256). */
  async start(): Promise<{ url: URL; checks: CallbackChecks }> {
    const configuration = await this.configuration();
    const checks: CallbackChecks = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url, checks };
  }

  /**
   * Redeems the code of `callbackUrl` (the redirect URI with the provider's query) and returns the
   * account's claims: the validated ID token's, completed by userinfo when the provider has an endpoint
   * (many send email and groups only there). Userinfo cannot override `iss`, `sub` or anything the ID
   * token already says. Throws ProviderError.
   */
  async finish(callbackUrl: URL, checks: CallbackChecks): Promise<SsoClaims> {
    const configuration = await this.configuration();
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      // OpenID Connect bounds `sub` to 255 ASCII characters; the link table relies on it.
      if (!idClaims || idClaims.sub.length > 255 || idClaims.iss.length > 500) {
        throw new ProviderError('response_invalid');
      }
      let extra: Record<string, unknown> = {};
      if (configuration.serverMetadata().userinfo_endpoint) {
        // Checks that the userinfo answer is about the ID token's subject.
        extra = await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
      }
      return { ...extra, ...idClaims } as SsoClaims;
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw new ProviderError(failureOf(error));
    }
  }
}
