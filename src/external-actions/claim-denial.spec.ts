import type { CredentialStatus } from '../provider-credentials/dto/oauth.dto';
import { claimDenial } from './claim-denial';
import type { ClaimSwitches } from './claim-denial';
import type { ExternalAction } from './external-action.entity';
import { payloadHashOf } from './payload-hash';

const NOW = new Date('2030-01-01T12:00:00Z');
const payload = { title: 'Mug', price_cents: 1500 };
const HASH = payloadHashOf(payload);

const approved = (overrides: Partial<ExternalAction> = {}): ExternalAction =>
  ({
    provider: 'etsy',
    action: 'create_listing',
    status: 'APPROVED',
    payload,
    payloadHash: HASH,
    approvedPayloadHash: HASH,
    approvalExpiresAt: new Date(NOW.getTime() + 60_000),
    attemptCount: 0,
    maxRetries: 1,
    ...overrides,
  }) as ExternalAction;

const ON: ClaimSwitches = {
  externalActionsEnabled: true,
  domainSwitches: {
    AUTOPACK_ENABLE_ETSY_PUBLISH: true,
    AUTOPACK_ENABLE_SHOPIFY_PUBLISH: false,
    AUTOPACK_ENABLE_YOUTUBE_PUBLISH: false,
    AUTOPACK_ENABLE_TRADING_ORDERS: false,
  },
  externalActionsPolicy: {
    providers: {
      etsy: {
        killSwitch: 'AUTOPACK_ENABLE_ETSY_PUBLISH',
        actions: { create_listing: { tier: 'C', approvalsRequired: 1, maxSpendCents: 2000, maxRetries: 1 } },
      },
      shopify: {
        killSwitch: 'AUTOPACK_ENABLE_SHOPIFY_PUBLISH',
        actions: { create_product: { tier: 'C', approvalsRequired: 1, maxSpendCents: 2000, maxRetries: 1 } },
      },
    },
  },
};

const reasonOf = (
  action: ExternalAction,
  options: { hash?: string; switches?: ClaimSwitches; credential?: CredentialStatus } = {},
) =>
  claimDenial(action, options.hash ?? HASH, NOW, options.switches ?? ON, options.credential ?? 'valid')
    ?.reason ?? null;

describe('claimDenial: why a claim is refused', () => {
  it('grants an approved action when every rule holds, and a failed one with attempts left', () => {
    expect(reasonOf(approved())).toBeNull();
    expect(reasonOf(approved({ status: 'FAILED', attemptCount: 1 }))).toBeNull();
    expect(reasonOf(approved(), { credential: 'expiring' })).toBeNull();
  });

  it.each([
    ['PENDING', 'not_approved'],
    ['REJECTED', 'not_approved'],
    ['CANCELLED', 'not_approved'],
    ['EXECUTING', 'already_claimed'],
    ['COMPLETED', 'already_executed'],
    ['DRY_RUN', 'already_executed'],
    ['OUTCOME_UNKNOWN', 'outcome_unknown'],
    ['EXPIRED', 'approval_expired'],
  ] as const)('refuses a %s action: %s', (status, reason) => {
    expect(reasonOf(approved({ status }))).toBe(reason);
  });

  it('refuses a failed action whose attempts are used up', () => {
    expect(reasonOf(approved({ status: 'FAILED', attemptCount: 2, maxRetries: 1 }))).toBe(
      'retries_exhausted',
    );
  });

  it('binds the claim three ways: presented, approved and stored payload hashes must all agree', () => {
    expect(reasonOf(approved(), { hash: payloadHashOf({ other: true }) })).toBe('hash_mismatch');
    expect(reasonOf(approved({ approvedPayloadHash: null }))).toBe('hash_mismatch');
    // The stored payload was changed after approval: the presented and approved hashes still agree.
    expect(reasonOf(approved({ payload: { ...payload, price_cents: 1 } }))).toBe('hash_mismatch');
  });

  it('refuses a lapsed approval, even to the millisecond, and a missing one', () => {
    expect(reasonOf(approved({ approvalExpiresAt: NOW }))).toBe('approval_expired');
    expect(reasonOf(approved({ approvalExpiresAt: null }))).toBe('approval_expired');
  });

  it('refuses while the global kill switch is off', () => {
    expect(reasonOf(approved(), { switches: { ...ON, externalActionsEnabled: false } })).toBe(
      'kill_switch_off',
    );
  });

  it('refuses what the policy (as configured now) does not name', () => {
    expect(reasonOf(approved({ action: 'delete_shop' }))).toBe('unclassified');
    expect(reasonOf(approved(), { switches: { ...ON, externalActionsPolicy: { providers: {} } } })).toBe(
      'unclassified',
    );
  });

  it("refuses while the provider's domain switch is off", () => {
    expect(reasonOf(approved({ provider: 'shopify', action: 'create_product' }))).toBe('domain_switch_off');
  });

  it.each(['expired', 'refresh_pending', 'refresh_failed', 'revoked', 'not_configured'] as const)(
    'refuses with a %s credential',
    (credential) => {
      expect(reasonOf(approved(), { credential })).toBe('credential_unhealthy');
    },
  );

  it('answers the first failing rule, in the documented order', () => {
    // Everything is wrong at once: the status wins, then the hash, then the approval's age, then switches.
    const broken = { switches: { ...ON, externalActionsEnabled: false }, credential: 'revoked' as const };
    expect(reasonOf(approved({ status: 'PENDING', approvalExpiresAt: null }), broken)).toBe('not_approved');
    expect(reasonOf(approved({ approvalExpiresAt: null }), { ...broken, hash: '0'.repeat(64) })).toBe(
      'hash_mismatch',
    );
    expect(reasonOf(approved({ approvalExpiresAt: null }), broken)).toBe('approval_expired');
    expect(reasonOf(approved(), broken)).toBe('kill_switch_off');
  });

  it('keeps the messages the API answers', () => {
    expect(claimDenial(approved({ status: 'EXECUTING' }), HASH, NOW, ON, 'valid')).toEqual({
      reason: 'already_claimed',
      detail: 'another claim is executing this action',
    });
    expect(claimDenial(approved(), HASH, NOW, ON, 'revoked')?.detail).toBe('the etsy credential is revoked');
  });
});
