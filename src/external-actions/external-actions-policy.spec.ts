import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error';
import { PROJECT_ROOT } from '../config/load-config';
import { classifyAction, loadExternalActionsPolicy, renderPolicyTable } from './external-actions-policy';

const policy = loadExternalActionsPolicy(join(PROJECT_ROOT, 'config', 'external-actions-policy.yaml'));

function load(yaml: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'actions-policy-')), 'policy.yaml');
  writeFileSync(file, yaml);
  return () => loadExternalActionsPolicy(file);
}

const VALID_ACTION = '{ tier: C, approvals_required: 1, max_spend_cents: 0, max_retries: 0 }';

describe('external actions policy (config/external-actions-policy.yaml)', () => {
  it('classifies the shipped entries', () => {
    expect(classifyAction(policy, 'etsy', 'create_listing')).toMatchObject({
      tier: 'C',
      classification: 'policy',
      killSwitch: 'AUTOPACK_ENABLE_ETSY_PUBLISH',
      approvalsRequired: 1,
    });
    expect(classifyAction(policy, 'broker', 'place_order')).toMatchObject({
      tier: 'C',
      approvalsRequired: 2,
    });
    expect(classifyAction(policy, 'etsy', 'read_listings').tier).toBe('A');
  });

  it.each([
    ['tiktok', 'post'],
    ['etsy', 'delete_shop'],
    ['__proto__', 'constructor'],
    ['etsy', 'toString'],
  ])('an unknown %s.%s is Tier C, unclassified, under no switch', (provider, action) => {
    expect(classifyAction(policy, provider, action)).toEqual({
      tier: 'C',
      approvalsRequired: 1,
      maxSpendCents: 0,
      maxRetries: 0,
      classification: 'unclassified',
      killSwitch: null,
    });
  });

  it.each([
    ['not: [valid', /not valid YAML/],
    ['- a\n- b', /must be a mapping/],
    ['providers: {}', /providers must be a non-empty mapping/],
    ['providers: {}\nextra: 1', /unknown key "extra"/],
    [
      `providers:\n  etsy:\n    kill_switch: AUTOPACK_ENABLE_EVERYTHING\n    actions: { a: ${VALID_ACTION} }`,
      /kill_switch must be one of/,
    ],
    [
      'providers:\n  etsy:\n    kill_switch: AUTOPACK_ENABLE_ETSY_PUBLISH\n    actions: {}',
      /actions must be a non-empty mapping/,
    ],
    [
      `providers:\n  Etsy:\n    kill_switch: AUTOPACK_ENABLE_ETSY_PUBLISH\n    actions: { a: ${VALID_ACTION} }`,
      /provider names/,
    ],
    [
      'providers:\n  etsy:\n    kill_switch: AUTOPACK_ENABLE_ETSY_PUBLISH\n    actions: { a: { tier: D, approvals_required: 1, max_spend_cents: 0, max_retries: 0 } }',
      /providers\.etsy\.actions\.a\.tier must be A, B or C/,
    ],
    [
      'providers:\n  etsy:\n    kill_switch: AUTOPACK_ENABLE_ETSY_PUBLISH\n    actions: { a: { tier: C, approvals_required: 3, max_spend_cents: 0, max_retries: 0 } }',
      /approvals_required must be 1 or 2/,
    ],
    [
      'providers:\n  etsy:\n    kill_switch: AUTOPACK_ENABLE_ETSY_PUBLISH\n    actions: { a: { tier: C, approvals_required: 1, max_spend_cents: -1, max_retries: 0 } }',
      /max_spend_cents must be an integer/,
    ],
    [
      'providers:\n  etsy:\n    kill_switch: AUTOPACK_ENABLE_ETSY_PUBLISH\n    actions: { a: { tier: C, approvals_required: 1, max_spend_cents: 0, max_retries: 0, auto: true } }',
      /unknown key "auto"/,
    ],
  ])('refuses an invalid policy with a ConfigError (%#)', (yaml, message) => {
    const attempt = load(yaml);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('refuses a missing file', () => {
    expect(() => loadExternalActionsPolicy('/nonexistent/policy.yaml')).toThrow(/cannot be read/);
  });

  it('renders a sorted table ending with the unclassified default', () => {
    const table = renderPolicyTable(policy).split('\n');
    expect(table[2]).toMatch(/^\| `broker` \| `cancel_order` \| C \|/);
    expect(table[table.length - 1]).toMatch(/unclassified/);
  });
});
