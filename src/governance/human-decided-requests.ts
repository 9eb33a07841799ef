import { ConflictException, NotFoundException, OnModuleInit } from '@nestjs/common';
import { keysetPage, keysetWindow, mapWindow } from '../http/keyset-page';
import type { KeysetOrder, KeysetPage, KeysetPosition, KeysetWindow } from '../http/keyset-page';
import type { PendingPageQueryDto } from '../http/page-query.dto';
import type { DataSource, DeepPartial, EntityManager, EntityTarget, FindOptionsWhere } from 'typeorm';
import { assertMayDecide } from '../approvals/decision-rules';
import type { ExpiryKind } from '../approvals/expiry-kinds';
import type { ExpiryScheduler, OverdueSweep } from '../approvals/expiry-scheduler';
import type { HumansBehindService } from '../approvals/humans-behind.service';
import type { Principal } from '../auth/principal';
import { auditContextFor, systemAuditContext } from '../audit/audit-context';
import type { AuditService } from '../audit/audit.service';
import type { HumanDecidedRequest } from './entities/human-decided-request';
import { ownerFilterFor } from '../access/visibility';
import type { EventLogService } from '../events/event-log.service';
import type { EventType } from '../events/event-types';
import { idempotentTransaction } from '../idempotency/idempotent-transaction';

export type DecidableTable = 'approval_requests' | 'governance_requests';
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
 * What approval requests and governance requests share: expiry that fails closed (registered with the
 * one expiry scheduler, and applied before every read of one request and every decision; the pending lists
 * leave overdue requests out), visibility (machines see their own
 * requests), and the one way a human decides — locked, once, by the approvals rules, audited in the same
 * transaction.
 */
export abstract class HumanDecidedRequests<T extends HumanDecidedRequest, Dto>
  implements OnModuleInit, OverdueSweep
{
  /** The request in the wire format. */
  protected abstract toDto(row: T): Dto;

  protected constructor(
    protected readonly dataSource: DataSource,
    protected readonly audit: AuditService,
    private readonly scheduler: ExpiryScheduler,
    private readonly humans: HumansBehindService,
    private readonly entity: EntityTarget<T>,
    private readonly table: DecidableTable,
    /** The audit subject type, also the prefix of the event types (`approval.approved`). */
    protected readonly subject: 'approval' | 'governance_request',
    /** For messages: "Approval request", "Governance request". */
    private readonly noun: string,
    private readonly events: EventLogService,
  ) {}

  /** The event types of this kind: `approval.requested`, `governance_request.created`, … */
  private eventType(what: 'requested' | 'decided' | 'expired' | 'expiring'): EventType {
    if (what === 'requested') {
      return this.subject === 'approval' ? 'approval.requested' : 'governance_request.created';
    }
    return `${this.subject}.${what}`;
  }

  /** An event about one request, owned by its requester (the runs visibility rule). */
  private appendEvent(
    manager: EntityManager,
    what: 'requested' | 'decided' | 'expired' | 'expiring',
    row: { id: string; runId: string; phaseId: string; requestedBy: string },
    summary: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    return this.events.append(manager, {
      type: this.eventType(what),
      subject: { type: this.subject, id: row.id },
      runId: row.runId,
      owner: row.requestedBy,
      summary: `${this.noun} for run ${row.runId} phase ${row.phaseId} ${summary}`,
      data: { phase_id: row.phaseId, ...data },
    });
  }

  /**
   * Writes the `*.expiring` warning of every pending request that expires within `window` and has none
   * yet (the interval sweep calls this; rows being decided right now are skipped and warned next time).
   */
  async warnExpiring(manager: EntityManager, windowMs: number): Promise<number> {
    const due: Array<{
      id: string;
      run_id: string;
      phase_id: string;
      requested_by: string;
      expires_at: Date;
    }> = await manager.query(
      `SELECT t.id, t.run_id, t.phase_id, t.requested_by, t.expires_at FROM ${this.table} t
         WHERE t.status = 'pending' AND t.expires_at > now() AND t.expires_at <= now() + $1 * interval '1 millisecond'
           AND NOT EXISTS (SELECT 1 FROM events e
                           WHERE e.subject_type = $2 AND e.subject_id = t.id::text AND e.type = $3)
         FOR UPDATE OF t SKIP LOCKED`,
      [windowMs, this.subject, this.eventType('expiring')],
    );
    for (const row of due) {
      await this.appendEvent(
        manager,
        'expiring',
        { id: row.id, runId: row.run_id, phaseId: row.phase_id, requestedBy: row.requested_by },
        `expires at ${row.expires_at.toISOString()} unless a human decides it`,
        { status: 'pending', expires_at: row.expires_at.toISOString() },
      );
    }
    return due.length;
  }

  /** The expiry kind: the audit subject (`approval`, `governance_request`). */
  get kind(): ExpiryKind {
    return this.subject;
  }

  onModuleInit(): void {
    this.scheduler.register(this);
  }

  /** Marks overdue requests `timeout` (never approved), each with an audit event. */
  expire(): Promise<number> {
    return this.scheduler.expireNow(this.kind);
  }

  /**
   * Fails closed: every pending request past its expiry becomes `timeout` — never approved — and each
   * expiry is an audit event in the same transaction. Rows another transaction holds (a decision in
   * progress, another replica's sweep) are skipped: their holder decides them.
   */
  async expireOverdue(manager: EntityManager): Promise<number> {
    const expired: Array<{ id: string; run_id: string; phase_id: string; requested_by: string }> = (
      await manager.query(
        `UPDATE ${this.table} SET status = 'timeout', decided_at = now()
         WHERE id IN (SELECT id FROM ${this.table} WHERE status = 'pending' AND expires_at <= now()
                      FOR UPDATE SKIP LOCKED)
         RETURNING id, run_id, phase_id, requested_by`,
      )
    )[0];
    for (const row of expired) {
      await this.audit.record(manager, {
        ...systemAuditContext('approval-expiry'),
        type: `${this.subject}.timed_out`,
        subject: { type: this.subject, id: row.id },
        runId: row.run_id,
        phaseId: row.phase_id,
        details: { requested_by: row.requested_by, outcome: 'timeout (never approved)' },
      });
      await this.appendEvent(
        manager,
        'expired',
        { id: row.id, runId: row.run_id, phaseId: row.phase_id, requestedBy: row.requested_by },
        'timed out (never approved)',
        { status: 'timeout' },
      );
    }
    return expired.length;
  }

  /**
   * Stores a new request: pending until a human decides it within `ttlMs`, or approved at once when a
   * policy already decided it (`automatic`). Audited as requested (and auto-approved) in one transaction.
   */
  protected createRow(
    principal: Principal,
    fields: DeepPartial<T> & { runId: string; phaseId: string },
    ttlMs: number,
    requestedDetails: (row: T) => Record<string, unknown>,
    /** The response body: what an Idempotency-Key retry is answered with (idempotentTransaction). */
    toResponse: (row: T) => unknown,
    automatic?: { by: string; name: string; comment: string; details: Record<string, unknown> },
  ): Promise<T> {
    return idempotentTransaction(
      this.dataSource,
      async (manager) => {
        const now = new Date();
        const row = manager.create(this.entity, {
          ...fields,
          status: automatic ? 'approved' : 'pending',
          requestedBy: principal.id,
          expiresAt: new Date(now.getTime() + ttlMs),
          decidedBy: automatic?.by ?? null,
          decidedByName: automatic?.name ?? null,
          decidedAt: automatic ? now : null,
          decisionComment: automatic?.comment ?? null,
        } as DeepPartial<T>);
        const saved = await manager.save(this.entity, row);
        const event = {
          ...auditContextFor(principal),
          subject: { type: this.subject, id: saved.id },
          runId: saved.runId,
          phaseId: saved.phaseId,
        };
        await this.audit.record(manager, {
          ...event,
          type: `${this.subject}.requested`,
          details: requestedDetails(saved),
        });
        if (automatic) {
          await this.audit.record(manager, {
            ...event,
            type: `${this.subject}.auto_approved`,
            details: automatic.details,
          });
        }
        await this.appendEvent(
          manager,
          'requested',
          saved,
          automatic ? 'was approved by policy' : `waits for a human until ${saved.expiresAt.toISOString()}`,
          { status: saved.status, expires_at: saved.expiresAt.toISOString() },
        );
        if (automatic) {
          await this.appendEvent(manager, 'decided', saved, 'was approved by policy', {
            status: 'approved',
            automatic: true,
          });
        }
        return saved;
      },
      toResponse,
    );
  }

  /**
   * Pending requests, oldest first, by keyset: the page and its capped total (see src/http/keyset-page.ts).
   * A read, never a write: a request past its expiry is left out here, and the sweep (or a read of it by id,
   * or a decision) records it as `timeout`.
   */
  protected pendingPage(principal: Principal, page: PendingPageQueryDto): Promise<KeysetPage<T>> {
    const order: KeysetOrder = {
      list: this.table,
      key: 'r.requested_at',
      id: 'r.id',
      direction: 'ASC',
      idType: 'uuid',
    };
    return keysetPage(this.pendingSelect(principal), order, {
      limit: page.limit ?? 500,
      cursor: page.cursor,
    });
  }

  /**
   * Pending requests newest first after `after`, up to `limit + 1` with their positions, and their capped
   * total: what the inbox merges with the other kinds at constant cost.
   */
  async pendingNewest(
    principal: Principal,
    slice: { limit: number; after?: KeysetPosition; runId?: string },
  ): Promise<KeysetWindow<Dto>> {
    const window = await keysetWindow(this.pendingSelect(principal, slice.runId), this.newestFirst, slice);
    return mapWindow(window, (row) => this.toDto(row));
  }

  private get newestFirst(): KeysetOrder {
    return {
      list: `${this.table}:newest`,
      key: 'r.requested_at',
      id: 'r.id',
      direction: 'DESC',
      idType: 'uuid',
    };
  }

  /** Still decidable (pending and not past its expiry) and visible to the principal, optionally of one run. */
  private pendingSelect(principal: Principal, runId?: string) {
    const select = this.dataSource
      .getRepository(this.entity)
      .createQueryBuilder('r')
      .where('r.status = :status', { status: 'pending' })
      .andWhere('r.expires_at > now()');
    // The run visibility rule: who sees every run sees every request; anyone else only their own.
    const requester = ownerFilterFor(principal);
    if (requester) select.andWhere('r.requested_by = :requester', { requester });
    if (runId !== undefined) select.andWhere('r.run_id = :runId', { runId });
    return select;
  }

  /** The request while it is still pending (an overdue one is recorded as timed out first), else null. */
  async pendingOne(id: string, principal: Principal): Promise<Dto | null> {
    const row = await this.visibleRow(id, principal);
    return row.status === 'pending' ? this.toDto(row) : null;
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

  /**
   * Withdraws every pending request of a run whose run an operator cancelled, in the caller's
   * transaction: each becomes `rejected` (the status executors already read as "do not proceed"),
   * audited `<subject>.withdrawn` and evented as decided (`data.withdrawn: true`). Answers their ids.
   */
  async withdrawPendingOfRun(
    manager: EntityManager,
    runId: string,
    by: Principal,
    reason: string,
  ): Promise<string[]> {
    const rows = await manager.find(this.entity, {
      where: { runId, status: 'pending' } as FindOptionsWhere<T>,
      order: { id: 'ASC' } as never,
      lock: { mode: 'pessimistic_write' },
    });
    for (const row of rows) {
      row.status = 'rejected';
      row.decidedBy = by.id;
      row.decidedByName = by.name;
      row.decidedAt = new Date();
      row.decisionComment = `withdrawn: the run was cancelled (${reason})`.slice(0, 2000);
      await manager.save(this.entity, row);
      await this.audit.record(manager, {
        ...auditContextFor(by),
        type: `${this.subject}.withdrawn`,
        subject: { type: this.subject, id: row.id },
        runId: row.runId,
        phaseId: row.phaseId,
        details: { requested_by: row.requestedBy, reason },
      });
      await this.appendEvent(manager, 'decided', row, `was withdrawn: run cancelled by ${by.name}`, {
        status: row.status,
        automatic: false,
        withdrawn: true,
        decided_by: by.id,
      });
    }
    return rows.map((row) => row.id);
  }

  /** A human decision: 404 unknown, 403 the requester (or a person behind its key), 409 not pending. */
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
      assertMayDecide(
        decider,
        {
          subject: 'request',
          requestedBy: row.requestedBy,
          requesterHumans: await this.humans.humansBehind({ id: row.requestedBy }, manager),
        },
        outcome.approved ? 'approve' : 'reject',
      );
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
      await this.appendEvent(manager, 'decided', row, `was ${row.status} by ${decider.name}`, {
        status: row.status,
        automatic: false,
        decided_by: decider.id,
      });
      return row;
    });
  }
}
