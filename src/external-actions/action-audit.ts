import type { AuditContext } from '../audit/audit-context';
import type { AuditEventInput } from '../audit/audit.service';
import type { ExternalAction } from './external-action.entity';
import type { KillSwitchSnapshot } from './kill-switches.service';

export interface SpendSnapshot {
  estimated_cents: number;
  reserved_cents: number;
  actual_cents: number | null;
  /** The UTC day's reserved spend and granted executions after this event, when the event touched them. */
  day?: string;
  day_spent_cents?: number;
  day_actions?: number;
  max_daily_spend_cents: number;
  max_actions_per_day: number;
}

/**
 * A principal id as `{ type, id }`. Never the joined `apikey:<uuid>` form in details: the shared redactor
 * reads `apikey:<value>` as a secret assignment and would hide who asked.
 */
export function principalRef(principalId: string): { type: string; id: string } {
  const colon = principalId.indexOf(':');
  if (colon < 0) return { type: principalId, id: principalId };
  const prefix = principalId.slice(0, colon);
  return { type: prefix === 'apikey' ? 'api_key' : prefix, id: principalId.slice(colon + 1) };
}

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;
const RISK_LEVEL = { A: 'low', B: 'medium', C: 'high' } as const;

/**
 * One audit event about an action, with the seed's minimum fields (who, what, when, inputs, outputs,
 * safety) taken from the row as it stands after the change the event records.
 */
export function actionAuditEvent(
  ctx: AuditContext,
  type: string,
  action: ExternalAction,
  safety: { killSwitches: KillSwitchSnapshot; spend: SpendSnapshot },
  extra: Record<string, unknown> = {},
): AuditEventInput {
  return {
    ...ctx,
    type,
    subject: { type: 'action', id: action.id },
    runId: action.runId,
    phaseId: action.phaseId,
    details: {
      status: action.status,
      ...extra,
      who: {
        requested_by: principalRef(action.proposedBy),
        approved_by: action.approvals.map((approval) => principalRef(approval.by)),
        auth_principal_type: ctx.actor.kind,
        auth_principal_id: principalRef(ctx.actor.id).id,
      },
      what: {
        action_type: `${action.provider}.${action.action}`,
        provider: action.provider,
        operation: action.action,
        run_id: action.runId,
        phase_id: action.phaseId,
        idempotency_key: action.idempotencyKey,
      },
      when: {
        requested_at: iso(action.createdAt),
        approved_at: iso(action.approvedAt),
        executed_at: iso(action.executedAt),
        completed_at: iso(action.completedAt),
      },
      inputs: {
        payload_hash: action.payloadHash,
        approved_payload_hash: action.approvedPayloadHash,
        payload_summary: action.summary,
        // The audit redactor masks anything secret-shaped in it before storage.
        external_target: action.externalTarget,
      },
      outputs: {
        external_object_id: action.externalObjectId,
        result_status: action.resultStatus,
        error_code: action.errorCode,
        error_summary: action.errorSummary,
      },
      safety: {
        tier: action.tier,
        classification: action.classification,
        risk_level: RISK_LEVEL[action.tier],
        kill_switch_snapshot: safety.killSwitches,
        spend_snapshot: safety.spend,
      },
    },
  };
}
