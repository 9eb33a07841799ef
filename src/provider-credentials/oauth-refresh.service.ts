import { BadGatewayException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { Principal } from '../auth/principal';
import { secretHint } from '../secrets/credential-cipher';
import { credentialStatus, toHealthDto } from './credential-health';
import type { CredentialHealthDto } from './dto/oauth.dto';
import { OAuthCredentialsService, sealingContext } from './oauth-credentials.service';
import { OAuthTokenClient } from './oauth-token.client';
import type { RefreshGrantRequest, RefreshGrantResult } from './oauth-token.client';
import { tokenUrlProblem } from '../outbound/address-rules';

/**
 * A refresh still `refresh_pending` this long after its deadline (AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS)
 * is taken to have died with its process. Never sooner: a second refresh while the first is still talking
 * to the provider would send the same refresh token twice, which rotating providers punish.
 */
const ABANDONED_REFRESH_MARGIN_MS = 30_000;

/**
 * Runs the refresh-token grant for a provider. It takes two transactions on purpose: one marks the
 * credential `refresh_pending` (so replicas do not refresh the same token twice, which would burn a
 * rotating refresh token), then the network call runs with no row locked, then a second transaction
 * records the outcome and its event.
 */
@Injectable()
export class OAuthRefreshService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly credentials: OAuthCredentialsService,
    private readonly client: OAuthTokenClient,
  ) {}

  async refresh(provider: string, actor: Principal): Promise<CredentialHealthDto> {
    const grant = await this.beginRefresh(provider);
    const result = await this.client.refresh(grant);
    const health = await this.recordRefreshOutcome(provider, result, actor);
    if (!result.ok) {
      throw new BadGatewayException(
        `The provider refused the refresh (${result.error}); see /api/auth/oauth/health`,
      );
    }
    return health;
  }

  /** Transaction 1: claim the refresh and open the secrets it needs (they stay in memory only). */
  private async beginRefresh(provider: string): Promise<RefreshGrantRequest> {
    this.credentials.requireProvider(provider);
    const cipher = this.credentials.requireCipher();
    return this.dataSource.transaction(async (manager) => {
      const row = await this.credentials.lockRow(manager, provider);
      if (!row || row.status === 'revoked')
        throw new NotFoundException(`No credentials are stored for "${provider}"`);
      if (!row.refreshTokenEnc) throw new ConflictException(`No refresh token is stored for "${provider}"`);
      const running =
        row.refreshStartedAt &&
        Date.now() - row.refreshStartedAt.getTime() <
          this.config.oauthRefreshTimeoutMs + ABANDONED_REFRESH_MARGIN_MS;
      if (row.status === 'refresh_pending' && running) {
        throw new ConflictException(`A refresh of "${provider}" is already running`);
      }
      // Checked again here, not only at store time: the deployment may have moved to production, or narrowed
      // its AUTOPACK_OAUTH_TOKEN_HOSTS, since.
      const problem = tokenUrlProblem(row.tokenUrl, {
        isProduction: this.config.isProduction,
        allowedHosts: this.config.oauthTokenHosts,
      });
      if (problem) throw new ConflictException(`Stored ${problem}; store a new token_url`);
      const grant: RefreshGrantRequest = {
        tokenUrl: row.tokenUrl,
        clientId: row.clientId,
        clientSecret: row.clientSecretEnc
          ? cipher.open(row.clientSecretEnc, sealingContext(provider, 'client_secret'))
          : null,
        refreshToken: cipher.open(row.refreshTokenEnc, sealingContext(provider, 'refresh_token')),
      };
      row.status = 'refresh_pending';
      row.refreshStartedAt = new Date();
      await manager.save(row);
      return grant;
    });
  }

  /** Transaction 2: store the new tokens, or count the failure; either way write the event. */
  private async recordRefreshOutcome(
    provider: string,
    result: RefreshGrantResult,
    actor: Principal,
  ): Promise<CredentialHealthDto> {
    const cipher = this.credentials.requireCipher();
    return this.dataSource.transaction(async (manager) => {
      const row = await this.credentials.lockRow(manager, provider);
      // Revoked while the request ran: keep it revoked, and forget what came back.
      if (!row || row.status === 'revoked')
        throw new ConflictException(`"${provider}" was revoked during the refresh`);
      const now = new Date();
      const from = credentialStatus(row, now);
      row.refreshStartedAt = null;
      row.updatedBy = actor.id;
      if (result.ok) {
        row.accessTokenEnc = cipher.seal(result.accessToken, sealingContext(provider, 'access_token'));
        row.accessTokenHint = secretHint(result.accessToken);
        if (result.refreshToken !== null) {
          row.refreshTokenEnc = cipher.seal(result.refreshToken, sealingContext(provider, 'refresh_token'));
          row.refreshTokenHint = secretHint(result.refreshToken);
        }
        row.expiresAt = result.expiresIn === null ? null : new Date(now.getTime() + result.expiresIn * 1000);
        row.status = 'valid';
        row.consecutiveFailures = 0;
        row.lastError = null;
        row.lastRefreshedAt = now;
      } else {
        row.status = 'refresh_failed';
        row.consecutiveFailures += 1;
        row.totalFailures += 1;
        row.lastError = result.error;
        row.lastFailureAt = now;
      }
      const saved = await manager.save(row);
      await this.credentials.recordEvent(
        manager,
        provider,
        result.ok ? 'refreshed' : 'refresh_failed',
        actor,
        result.ok
          ? {
              expires_at: saved.expiresAt?.toISOString() ?? null,
              refresh_token_rotated: result.refreshToken !== null,
            }
          : { error: result.error, consecutive_failures: saved.consecutiveFailures },
        { from, to: credentialStatus(saved, now) },
      );
      return toHealthDto(provider, saved, now);
    });
  }
}
