import { ConflictException, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { DataSource, EntityTarget, FindOptionsWhere } from 'typeorm';
import type { ApiKeysService } from '../auth/api-keys/api-keys.service';
import type { Principal } from '../auth/principal';
import { auditContextFor } from '../audit/audit-context';
import type { AuditService } from '../audit/audit.service';
import type { HumanDecidedRequest } from './entities/human-decided-request';
import { ownerFilterFor } from '../access/visibility';
import { assertMayDecide } from './human-decision';
import { DecidableTable, expireOverdue } from './request-expiry';

const SWEEP_INTERVAL_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The fields every decided request shows, in the wire format. */
export function decisionFields(row: HumanDecidedRequest) {
  return {
    status: row.status,
    run_id: row.runId,
    phase_id: row.phaseId,
    requested_by: row.requestedBy,
    requested_at: row.requestedAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
    decided_by: row.decidedBy,
    decided_by_name: row.decidedByName,
    decided_at: row.decidedAt?.toISOString() ?? null,
    comment: row.decisionComment,
  };
}

/**
 * What approval requests and governance requests share: expiry that fails closed (a sweep every minute
 * and before every read and decision), visibility (machines see their own requests), and the one way a
 * human decides — locked, once, never by the requester, audited in the same transaction.
 */
export abstract class HumanDecidedRequests<T extends HumanDecidedRequest>
  implements OnModuleInit, OnModuleDestroy
{
  private sweep?: NodeJS.Timeout;

  protected constructor(
    protected readonly dataSource: DataSource,
    protected readonly audit: AuditService,
    private readonly keys: ApiKeysService,
    private readonly entity: EntityTarget<T>,
    private readonly table: DecidableTable,
    /** The audit subject type, also the prefix of the event types (`approval.approved`). */
    protected readonly subject: 'approval' | 'governance_request',
    /** For messages: "Approval request", "Governance request". */
    private readonly noun: string,
  ) {}

  onModuleInit(): void {
    this.sweep = setInterval(() => void this.expire().catch(() => undefined), SWEEP_INTERVAL_MS);
    this.sweep.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }

  /** Marks overdue requests `timeout` (never approved), each with an audit event. */
  expire(): Promise<number> {
    return this.dataSource.transaction((manager) => expireOverdue(manager, this.table, this.audit));
  }

  protected async pendingRows(principal: Principal): Promise<T[]> {
    await this.expire();
    // The run visibility rule: who sees every run sees every request; anyone else only their own.
    const requester = ownerFilterFor(principal);
    const where = {
      status: 'pending',
      ...(requester ? { requestedBy: requester } : {}),
    } as FindOptionsWhere<T>;
    return this.dataSource.getRepository(this.entity).find({
      where,
      order: { requestedAt: 'ASC', id: 'ASC' } as never,
      take: 500,
    });
  }

  /** 404 for unknown ids and for other principals' requests alike. */
  protected async visibleRow(id: string, principal: Principal): Promise<T> {
    await this.expire();
    const requester = ownerFilterFor(principal);
    const where = { id, ...(requester ? { requestedBy: requester } : {}) } as FindOptionsWhere<T>;
    const found = UUID.test(id) ? await this.dataSource.getRepository(this.entity).findOneBy(where) : null;
    if (!found) throw new NotFoundException(`${this.noun} "${id}" not found`);
    return found;
  }

  /** A human decision: 404 unknown, 403 the requester (or the owner of its key), 409 not pending. */
  protected async decideRow(
    id: string,
    decider: Principal,
    outcome: { approved: boolean; comment: string },
    details: (row: T) => Record<string, unknown> = () => ({}),
  ): Promise<T> {
    await this.expire();
    return this.dataSource.transaction(async (manager) => {
      const where = { id } as FindOptionsWhere<T>;
      const row = UUID.test(id)
        ? await manager.findOne(this.entity, { where, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!row) throw new NotFoundException(`${this.noun} "${id}" not found`);
      await assertMayDecide(row.requestedBy, decider, this.keys);
      if (row.status !== 'pending' || row.expiresAt.getTime() <= Date.now()) {
        throw new ConflictException(
          `${this.noun} is ${row.status === 'pending' ? 'timeout' : row.status}, not pending`,
        );
      }
      row.status = outcome.approved ? 'approved' : 'rejected';
      row.decidedBy = decider.id;
      row.decidedByName = decider.name;
      row.decidedAt = new Date();
      row.decisionComment = outcome.comment;
      await manager.save(this.entity, row);
      await this.audit.record(manager, {
        ...auditContextFor(decider),
        type: `${this.subject}.${row.status}`,
        subject: { type: this.subject, id: row.id },
        runId: row.runId,
        phaseId: row.phaseId,
        details: { requested_by: row.requestedBy, comment: outcome.comment, ...details(row) },
      });
      return row;
    });
  }
}
