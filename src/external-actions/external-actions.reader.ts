import { Injectable, NotFoundException } from '@nestjs/common';
import { keysetPage, keysetWindow, mapWindow } from '../http/keyset-page';
import type { KeysetOrder, KeysetPosition, KeysetWindow } from '../http/keyset-page';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { ownerFilterFor } from '../access/visibility';
import type {
  ActionHistoryEventDto,
  ActionListDto,
  ActionListQueryDto,
  ActionWithHistoryDto,
  ExternalActionDto,
  KillSwitchesDto,
  PreviousApprovedDto,
  RunActionsExportDto,
} from './dto/external-action.dto';
import { ExternalAction } from './external-action.entity';
import { KillSwitchesService } from './kill-switches.service';

type ActionFilters = Pick<ActionListQueryDto, 'status' | 'provider' | 'action' | 'run_id' | 'tier'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toActionDto(a: ExternalAction): ExternalActionDto {
  return {
    id: a.id,
    provider: a.provider,
    action: a.action,
    tier: a.tier,
    classification: a.classification,
    kill_switch: a.killSwitch,
    approvals_required: a.approvalsRequired,
    max_retries: a.maxRetries,
    status: a.status,
    proposed_by: a.proposedBy,
    idempotency_key: a.idempotencyKey,
    payload: a.payload,
    payload_hash: a.payloadHash,
    approved_payload_hash: a.approvedPayloadHash,
    summary: a.summary,
    external_target: a.externalTarget,
    estimated_spend_cents: a.estimatedSpendCents,
    actual_spend_cents: a.actualSpendCents,
    run_id: a.runId,
    phase_id: a.phaseId,
    approvals: a.approvals,
    approved_at: iso(a.approvedAt),
    approval_expires_at: iso(a.approvalExpiresAt),
    decided_by: a.decidedBy,
    decision_reason: a.decisionReason,
    attempt_count: a.attemptCount,
    attempt_id: a.attemptId,
    lease_expires_at: iso(a.leaseExpiresAt),
    execution_mode: a.executionMode,
    external_object_id: a.externalObjectId,
    result_status: a.resultStatus,
    error_code: a.errorCode,
    error_summary: a.errorSummary,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
    executed_at: iso(a.executedAt),
    completed_at: iso(a.completedAt),
  };
}

/** Newest first, ties broken by id, served by the (created_at, id) index. */
const ACTION_LIST_ORDER: KeysetOrder = {
  list: 'external_actions',
  key: 'a.created_at',
  id: 'a.id',
  direction: 'DESC',
  idType: 'uuid',
};

/**
 * Operator views of external actions. Operators and admins see every action; any other principal only
 * the actions it proposed (the same rule as runs), so another's action reads as missing.
 */
@Injectable()
export class ExternalActionsReader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly switches: KillSwitchesService,
  ) {}

  async list(query: ActionListQueryDto, principal: Principal): Promise<ActionListDto> {
    const { items, ...paging } = await keysetPage(this.select(query, principal), ACTION_LIST_ORDER, query);
    return { actions: items.map(toActionDto), ...paging };
  }

  /**
   * Pending actions newest first after `after`, up to `limit + 1` with their positions, and their capped
   * total: what the inbox merges with the other kinds at constant cost.
   */
  async pendingNewest(
    principal: Principal,
    slice: { limit: number; after?: KeysetPosition; runId?: string },
  ): Promise<KeysetWindow<ExternalActionDto>> {
    const select = this.select({ status: 'PENDING', run_id: slice.runId }, principal);
    return mapWindow(await keysetWindow(select, ACTION_LIST_ORDER, slice), toActionDto);
  }

  /** The action while it is PENDING (what the inbox shows), else null; 404 when not visible. */
  async pendingOne(id: string, principal: Principal): Promise<ExternalActionDto | null> {
    const action = await this.visible(id, principal);
    return action.status === 'PENDING' ? toActionDto(action) : null;
  }

  /** The actions matching the list's filters that the principal may see. */
  private select(filters: ActionFilters, principal: Principal) {
    const select = this.dataSource.getRepository(ExternalAction).createQueryBuilder('a');
    const owner = ownerFilterFor(principal);
    if (owner !== null) select.andWhere('a.proposed_by = :owner', { owner });
    if (filters.status) select.andWhere('a.status = :status', { status: filters.status });
    if (filters.provider) select.andWhere('a.provider = :provider', { provider: filters.provider });
    if (filters.action) select.andWhere('a.action = :action', { action: filters.action });
    if (filters.run_id) select.andWhere('a.run_id = :runId', { runId: filters.run_id });
    if (filters.tier) select.andWhere('a.tier = :tier', { tier: filters.tier });
    return select;
  }

  async get(id: string, principal: Principal): Promise<ActionWithHistoryDto> {
    const action = await this.visible(id, principal);
    const [history] = await this.histories([action.id]);
    return { ...toActionDto(action), history };
  }

  /**
   * The most recently approved other action of the same provider and action that the caller may see:
   * what a reviewer compares this payload with (a price ten times the usual stands out).
   */
  async previousApproved(id: string, principal: Principal): Promise<PreviousApprovedDto> {
    const action = await this.visible(id, principal);
    const select = this.dataSource
      .getRepository(ExternalAction)
      .createQueryBuilder('a')
      .where('a.provider = :provider AND a.action = :action', {
        provider: action.provider,
        action: action.action,
      })
      .andWhere('a.id <> :id', { id: action.id })
      .andWhere('a.approved_at IS NOT NULL');
    const owner = ownerFilterFor(principal);
    if (owner !== null) select.andWhere('a.proposed_by = :owner', { owner });
    const previous = await select.orderBy('a.approved_at', 'DESC').addOrderBy('a.id', 'ASC').getOne();
    return previous ? { previous: toActionDto(previous) } : {};
  }

  /** One action the caller may see; 404 alike for unknown ids and other principals' actions. */
  private async visible(id: string, principal: Principal): Promise<ExternalAction> {
    const owner = ownerFilterFor(principal);
    const action = UUID.test(id)
      ? await this.dataSource.getRepository(ExternalAction).findOneBy({ id })
      : null;
    if (!action || (owner !== null && action.proposedBy !== owner)) {
      throw new NotFoundException(`No external action "${id}" visible to you`);
    }
    return action;
  }

  /** Every action of a run with its history, oldest first: the run's side-effect record. */
  async exportRun(runId: string, principal: Principal): Promise<RunActionsExportDto> {
    const owner = ownerFilterFor(principal);
    const select = this.dataSource
      .getRepository(ExternalAction)
      .createQueryBuilder('a')
      .where('a.run_id = :runId', { runId });
    if (owner !== null) select.andWhere('a.proposed_by = :owner', { owner });
    const actions = await select.orderBy('a.created_at', 'ASC').addOrderBy('a.id', 'ASC').getMany();
    const histories = await this.histories(actions.map((a) => a.id));
    return {
      run_id: runId,
      exported_at: new Date().toISOString(),
      actions: actions.map((a, i) => ({ ...toActionDto(a), history: histories[i] })),
    };
  }

  async killSwitches(): Promise<KillSwitchesDto> {
    const day = new Date().toISOString().slice(0, 10);
    const rows: Array<{ spent_cents: string; actions: number }> = await this.dataSource.query(
      'SELECT spent_cents, actions FROM external_action_daily_usage WHERE day = $1',
      [day],
    );
    return {
      switches: this.switches.snapshot(),
      ...this.switches.caps,
      day,
      spent_cents: rows.length > 0 ? Number(rows[0].spent_cents) : 0,
      actions: rows.length > 0 ? rows[0].actions : 0,
    };
  }

  /** The audit events about each action, oldest first (the audit log is the history: nothing is copied). */
  private async histories(ids: string[]): Promise<ActionHistoryEventDto[][]> {
    if (ids.length === 0) return [];
    const rows: Array<{
      subject_id: string;
      position: string;
      occurred_at: Date;
      event_type: string;
      actor_kind: string;
      actor_id: string;
      actor_name: string;
      details: unknown;
    }> = await this.dataSource.query(
      `SELECT subject_id, position, occurred_at, event_type, actor_kind, actor_id, actor_name, details
       FROM audit_events WHERE subject_type = 'action' AND subject_id = ANY($1::text[]) ORDER BY position`,
      [ids],
    );
    const byId = new Map<string, ActionHistoryEventDto[]>(ids.map((id) => [id, []]));
    for (const row of rows) {
      byId.get(row.subject_id)?.push({
        position: Number(row.position),
        occurred_at: new Date(row.occurred_at).toISOString(),
        event_type: row.event_type,
        actor_kind: row.actor_kind,
        actor_id: row.actor_id,
        actor_name: row.actor_name,
        details: row.details,
      });
    }
    return ids.map((id) => byId.get(id) ?? []);
  }
}
