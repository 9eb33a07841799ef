import type { EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { systemAuditContext } from '../audit/audit-context';

export type DecidableTable = 'approval_requests' | 'governance_requests';
const SUBJECT = { approval_requests: 'approval', governance_requests: 'governance_request' } as const;

/**
 * Fails closed: every pending request past its expiry becomes `timeout` — never approved — and each
 * expiry is an audit event in the same transaction. Used by the periodic sweep and before every read and
 * decision, so an expired request reads as `timeout` even between sweeps.
 */
export async function expireOverdue(
  manager: EntityManager,
  table: DecidableTable,
  audit: AuditService,
): Promise<number> {
  const expired: Array<{ id: string; run_id: string; phase_id: string; requested_by: string }> = (
    await manager.query(
      `UPDATE ${table} SET status = 'timeout', decided_at = now()
       WHERE status = 'pending' AND expires_at <= now()
       RETURNING id, run_id, phase_id, requested_by`,
    )
  )[0];
  for (const row of expired) {
    await audit.record(manager, {
      ...systemAuditContext('approval-expiry'),
      type: `${SUBJECT[table]}.timed_out`,
      subject: { type: SUBJECT[table], id: row.id },
      runId: row.run_id,
      phaseId: row.phase_id,
      details: { requested_by: row.requested_by, outcome: 'timeout (never approved)' },
    });
  }
  return expired.length;
}
