import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { SpendSnapshot } from './action-audit';
import { DOMAIN_SWITCHES } from './external-actions-policy';
import type { ExternalAction } from './external-action.entity';

/** The UTC day's reserved spend and granted executions, after a change that touched them. */
export interface DayUsage {
  day: string;
  spent: number;
  actions: number;
}

/** Every switch by its environment variable name, `true` meaning on (for dry-run: dry-run is on). */
export type KillSwitchSnapshot = Record<string, boolean>;

/**
 * The current state of every external-actions switch and cap, as configured for this process. Read by
 * the claim (and recorded in its audit event), by `GET /external-actions/kill-switches` and by `/health`.
 */
@Injectable()
export class KillSwitchesService {
  constructor(private readonly config: AppConfig) {}

  snapshot(): KillSwitchSnapshot {
    const out: KillSwitchSnapshot = {
      AUTOPACK_EXTERNAL_ACTIONS_ENABLED: this.config.externalActionsEnabled,
    };
    for (const name of DOMAIN_SWITCHES) out[name] = this.config.domainSwitches[name];
    out.AUTOPACK_SIDE_EFFECTS_DRY_RUN = this.config.sideEffectsDryRun;
    out.AUTOPACK_ENABLE_CONSOLIDATED_METRICS = this.config.consolidatedMetricsEnabled;
    return out;
  }

  get caps(): { max_daily_spend_cents: number; max_actions_per_day: number } {
    return {
      max_daily_spend_cents: this.config.maxDailySpendCents,
      max_actions_per_day: this.config.maxActionsPerDay,
    };
  }

  /** The spend part of an action audit event's safety block. */
  spendSnapshot(action: ExternalAction, day?: DayUsage): SpendSnapshot {
    return {
      estimated_cents: action.estimatedSpendCents,
      reserved_cents: action.reservedSpendCents,
      actual_cents: action.actualSpendCents,
      ...(day ? { day: day.day, day_spent_cents: day.spent, day_actions: day.actions } : {}),
      ...this.caps,
    };
  }

  /** The safety block of an action audit event: every switch now, and the spend. */
  safety(action: ExternalAction, day?: DayUsage) {
    return { killSwitches: this.snapshot(), spend: this.spendSnapshot(action, day) };
  }
}

/** The switches and caps with their defaults, for the generated blocks of the contract docs. */
export function renderSwitchTable(): string {
  const rows: Array<[string, string, string]> = [
    [
      'AUTOPACK_EXTERNAL_ACTIONS_ENABLED',
      '`0` (off)',
      'global kill switch: `1` lets claims be granted at all',
    ],
    ...DOMAIN_SWITCHES.map((name): [string, string, string] => [
      name,
      '`0` (off)',
      'domain switch of the providers that name it in the policy',
    ]),
    [
      'AUTOPACK_SIDE_EFFECTS_DRY_RUN',
      '`1` (on)',
      'granted claims are dry runs (`mode: "dry_run"`, action ends `DRY_RUN`); `0` executes for real',
    ],
    [
      'AUTOPACK_MAX_DAILY_SPEND_USD',
      '`0`',
      'hard cap of reserved spend per UTC day, across replicas (USD, 2 decimals)',
    ],
    ['AUTOPACK_MAX_ACTIONS_PER_DAY', '`50`', 'live executions granted per UTC day, across replicas'],
    [
      'AUTOPACK_ENABLE_CONSOLIDATED_METRICS',
      '`0` (off)',
      '`GET /dashboard/runs/{run_id}/consolidated-metrics` answers 503 naming this switch while off',
    ],
    [
      'AUTOPACK_ACTION_APPROVAL_TTL_SECONDS',
      '`86400`',
      'how long an approval holds before the action is `EXPIRED`',
    ],
    [
      'AUTOPACK_ACTION_LEASE_SECONDS',
      '`300`',
      'how long a live claim may run before the action is `OUTCOME_UNKNOWN`',
    ],
  ];
  return [
    '| Variable | Default | Meaning |',
    '|---|---|---|',
    ...rows.map(([name, value, meaning]) => `| \`${name}\` | ${value} | ${meaning} |`),
  ].join('\n');
}
