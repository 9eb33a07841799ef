import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { OAuthCredentialsService } from '../../src/provider-credentials/oauth-credentials.service';
import { INSTANCE_KEY_PRINCIPAL } from '../../src/auth/principal';
import type { RawEnv } from '../../src/config/secret-env';
import type { TestApp } from './app';
import type { TestApiKey, TestUser } from './identity';
import { rememberSecret } from './secrets';

/** One credentials key per test process: apps sharing a database must decrypt each other's rows. */
export const TEST_CREDENTIALS_KEY = randomBytes(32).toString('base64');

/** Everything on: the global switch, every domain switch, live execution, roomy caps. */
export const LIVE_ENV: RawEnv = {
  AUTOPACK_CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
  AUTOPACK_EXTERNAL_ACTIONS_ENABLED: '1',
  AUTOPACK_ENABLE_ETSY_PUBLISH: '1',
  AUTOPACK_ENABLE_SHOPIFY_PUBLISH: '1',
  AUTOPACK_ENABLE_YOUTUBE_PUBLISH: '1',
  AUTOPACK_ENABLE_TRADING_ORDERS: '1',
  AUTOPACK_SIDE_EFFECTS_DRY_RUN: '0',
  AUTOPACK_MAX_DAILY_SPEND_USD: '100000',
  AUTOPACK_MAX_ACTIONS_PER_DAY: '100000',
  AUTOPACK_RATE_LIMIT_ACTIONS_CLAIM_PER_MINUTE: '100000',
  AUTOPACK_RATE_LIMIT_ACTIONS_APPROVE_PER_MINUTE: '100000',
  AUTOPACK_RATE_LIMIT_PER_MINUTE: '100000',
};

/** A valid stored credential for each provider, so claims are not denied for `credential_unhealthy`. */
export async function storeCredentials(t: TestApp, providers = ['etsy', 'shopify', 'youtube', 'broker']) {
  const service = t.app.get(OAuthCredentialsService);
  for (const provider of providers) {
    const accessToken = `at-${randomBytes(8).toString('hex')}`;
    rememberSecret(accessToken);
    await service.store(
      provider,
      {
        client_id: `${provider}-client`,
        access_token: accessToken,
        token_url: 'https://auth.example.com/token',
        expires_at: new Date(Date.now() + 24 * 3600_000).toISOString(),
      },
      INSTANCE_KEY_PRINCIPAL,
    );
  }
}

export interface ProposalInput {
  provider?: string;
  action?: string;
  payload?: Record<string, unknown>;
  estimated_spend_cents?: number;
  run_id?: string;
}

export function proposalBody(input: ProposalInput = {}) {
  return {
    provider: input.provider ?? 'etsy',
    action: input.action ?? 'create_listing',
    payload: input.payload ?? { title: `Mug ${randomUUID()}`, price_cents: 1500 },
    summary: 'List a mug',
    external_target: 'shop:test-shop',
    estimated_spend_cents: input.estimated_spend_cents ?? 20,
    ...(input.run_id ? { run_id: input.run_id } : {}),
  };
}

export function propose(
  t: TestApp,
  key: TestApiKey,
  input: ProposalInput = {},
  idempotencyKey: string = randomUUID(),
) {
  return request(t.http)
    .post('/external-actions')
    .set(key.headers)
    .set('Idempotency-Key', idempotencyKey)
    .send(proposalBody(input));
}

/** Proposes and returns the stored action (expects 201). */
export async function proposed(t: TestApp, key: TestApiKey, input: ProposalInput = {}) {
  const res = await propose(t, key, input);
  if (res.status !== 201) throw new Error(`propose: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; payload_hash: string; status: string };
}

export function approve(t: TestApp, user: TestUser, id: string, payloadHash: string) {
  return request(t.http)
    .post(`/external-actions/${id}/approve`)
    .set(user.auth)
    .send({ payload_hash: payloadHash });
}

/** Proposes and has `approvers` approve; returns the action (APPROVED once enough approved). */
export async function approved(
  t: TestApp,
  key: TestApiKey,
  approvers: TestUser[],
  input: ProposalInput = {},
) {
  const action = await proposed(t, key, input);
  let body: { id: string; payload_hash: string; status: string } = action;
  for (const approver of approvers) {
    const res = await approve(t, approver, action.id, action.payload_hash);
    if (res.status !== 200) throw new Error(`approve: ${res.status} ${JSON.stringify(res.body)}`);
    body = res.body;
  }
  return body;
}

export function claim(t: TestApp | string, key: TestApiKey, id: string, payloadHash: string) {
  const target = typeof t === 'string' ? t : t.http;
  return request(target)
    .post(`/external-actions/${id}/claim`)
    .set(key.headers)
    .send({ payload_hash: payloadHash });
}
