import type { ConfigError } from '../config/config-error';
import { loadYamlFile } from '../config/yaml-file';

/** The per-domain kill switches. Each defaults to off; a provider of the policy names exactly one. */
export const DOMAIN_SWITCHES = [
  'AUTOPACK_ENABLE_ETSY_PUBLISH',
  'AUTOPACK_ENABLE_SHOPIFY_PUBLISH',
  'AUTOPACK_ENABLE_YOUTUBE_PUBLISH',
  'AUTOPACK_ENABLE_TRADING_ORDERS',
] as const;
export type DomainSwitch = (typeof DOMAIN_SWITCHES)[number];

/** Injection token of the validated policy (provided by ExternalActionsModule). */
export const EXTERNAL_ACTIONS_POLICY = Symbol('EXTERNAL_ACTIONS_POLICY');

/** A: read-only. B: reversible or locally bounded. C: external side effect (proposal-only). */
export const ACTION_TIERS = ['A', 'B', 'C'] as const;
export type ActionTier = (typeof ACTION_TIERS)[number];

export interface ActionRule {
  tier: ActionTier;
  approvalsRequired: 1 | 2;
  maxSpendCents: number;
  maxRetries: number;
}

export interface ProviderRule {
  killSwitch: DomainSwitch;
  actions: Readonly<Record<string, ActionRule>>;
}

export interface ExternalActionsPolicy {
  providers: Readonly<Record<string, ProviderRule>>;
}

/** How a proposal was classified: by a policy entry, or by default because the policy does not know it. */
export interface ActionClassification extends ActionRule {
  classification: 'policy' | 'unclassified';
  /** Null for an unclassified action: no switch can ever let it execute. */
  killSwitch: DomainSwitch | null;
}

/** Unknown provider or action: Tier C, one approval, no spend, no retry, no domain switch. */
const UNCLASSIFIED: ActionClassification = Object.freeze({
  tier: 'C',
  approvalsRequired: 1,
  maxSpendCents: 0,
  maxRetries: 0,
  classification: 'unclassified',
  killSwitch: null,
});

export function classifyAction(
  policy: ExternalActionsPolicy,
  provider: string,
  action: string,
): ActionClassification {
  const providerRule = Object.hasOwn(policy.providers, provider) ? policy.providers[provider] : undefined;
  const rule =
    providerRule && Object.hasOwn(providerRule.actions, action) ? providerRule.actions[action] : undefined;
  if (!providerRule || !rule) return UNCLASSIFIED;
  return { ...rule, classification: 'policy', killSwitch: providerRule.killSwitch };
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** Far above any single publish or order; a typo of a few zeros is refused rather than trusted. */
const MAX_SPEND_CENTS = 10_000_000;

/** Reads and validates the policy file; every problem is a ConfigError naming the file and the entry. */
export function loadExternalActionsPolicy(file: string): ExternalActionsPolicy {
  return loadYamlFile('external actions policy', file, validateExternalActionsPolicy);
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function validateExternalActionsPolicy(
  document: unknown,
  fail: (why: string) => ConfigError,
): ExternalActionsPolicy {
  if (!isMapping(document)) throw fail('must be a mapping');
  const { providers, ...rest } = document;
  if (Object.keys(rest).length > 0) throw fail(`unknown key "${Object.keys(rest)[0]}"`);
  if (!isMapping(providers) || Object.keys(providers).length === 0) {
    throw fail('providers must be a non-empty mapping');
  }
  const out: Record<string, ProviderRule> = {};
  for (const [provider, entry] of Object.entries(providers)) {
    const at = `providers.${provider}`;
    if (!NAME.test(provider)) throw fail(`${at}: provider names are lowercase letters, digits, _ and -`);
    if (!isMapping(entry)) throw fail(`${at} must be a mapping`);
    const { kill_switch: killSwitch, actions, ...extra } = entry;
    if (Object.keys(extra).length > 0) throw fail(`${at} has unknown key "${Object.keys(extra)[0]}"`);
    if (!DOMAIN_SWITCHES.includes(killSwitch as DomainSwitch)) {
      throw fail(`${at}.kill_switch must be one of ${DOMAIN_SWITCHES.join(', ')}`);
    }
    if (!isMapping(actions) || Object.keys(actions).length === 0) {
      throw fail(`${at}.actions must be a non-empty mapping`);
    }
    const rules: Record<string, ActionRule> = {};
    for (const [action, rule] of Object.entries(actions)) {
      const where = `${at}.actions.${action}`;
      if (!NAME.test(action)) throw fail(`${where}: action names are lowercase letters, digits, _ and -`);
      if (!isMapping(rule)) throw fail(`${where} must be a mapping`);
      const {
        tier,
        approvals_required: approvals,
        max_spend_cents: maxSpend,
        max_retries: maxRetries,
        ...unknown
      } = rule;
      if (Object.keys(unknown).length > 0)
        throw fail(`${where} has unknown key "${Object.keys(unknown)[0]}"`);
      if (!ACTION_TIERS.includes(tier as ActionTier)) throw fail(`${where}.tier must be A, B or C`);
      if (approvals !== 1 && approvals !== 2) throw fail(`${where}.approvals_required must be 1 or 2`);
      if (!Number.isInteger(maxSpend) || (maxSpend as number) < 0 || (maxSpend as number) > MAX_SPEND_CENTS) {
        throw fail(`${where}.max_spend_cents must be an integer from 0 to ${MAX_SPEND_CENTS}`);
      }
      if (!Number.isInteger(maxRetries) || (maxRetries as number) < 0 || (maxRetries as number) > 10) {
        throw fail(`${where}.max_retries must be an integer from 0 to 10`);
      }
      rules[action] = Object.freeze({
        tier: tier as ActionTier,
        approvalsRequired: approvals,
        maxSpendCents: maxSpend as number,
        maxRetries: maxRetries as number,
      });
    }
    out[provider] = Object.freeze({ killSwitch: killSwitch as DomainSwitch, actions: Object.freeze(rules) });
  }
  return Object.freeze({ providers: Object.freeze(out) });
}

/** The policy as a Markdown table, for the generated block of docs/EXTERNAL_ACTIONS.md. */
export function renderPolicyTable(policy: ExternalActionsPolicy): string {
  const lines = [
    '| Provider | Action | Tier | Domain switch | Approvals | Max spend (cents) | Max retries |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const provider of Object.keys(policy.providers).sort()) {
    const rule = policy.providers[provider];
    for (const action of Object.keys(rule.actions).sort()) {
      const a = rule.actions[action];
      lines.push(
        `| \`${provider}\` | \`${action}\` | ${a.tier} | \`${rule.killSwitch}\` | ${a.approvalsRequired} | ${a.maxSpendCents} | ${a.maxRetries} |`,
      );
    }
  }
  lines.push('| any other | any other | C (`unclassified`) | none: never executable | 1 | 0 | 0 |');
  return lines.join('\n');
}
