import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import { AuditEventDto, AuditEventPageDto } from './dto/audit-event.dto';
import { AUDIT_PAGE_DEFAULT, AuditEventsQueryDto } from './dto/audit-events-query.dto';
import { AuditEvent } from './entities/audit-event.entity';

/** Reads the audit log for operators: filtered, newest first, one query per page. */
@Injectable()
export class AuditEventsReader {
  constructor(private readonly dataSource: DataSource) {}

  async list(query: AuditEventsQueryDto): Promise<AuditEventPageDto> {
    const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
    if (query.subject_id !== undefined && query.subject_type === undefined) {
      throw new BadRequestException('subject_id needs subject_type');
    }
    const since = query.since === undefined ? undefined : new Date(query.since);
    const until = query.until === undefined ? undefined : new Date(query.until);
    if (since && until && since >= until) throw new BadRequestException('since must be before until');
    const before = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
    if (before === null) throw new BadRequestException('cursor is not a cursor this API returned');

    const select = this.dataSource.getRepository(AuditEvent).createQueryBuilder('e');
    if (query.event_type !== undefined)
      select.andWhere('e.event_type = :eventType', { eventType: query.event_type });
    if (query.subject_type !== undefined) {
      select.andWhere('e.subject_type = :subjectType', { subjectType: query.subject_type });
    }
    if (query.subject_id !== undefined)
      select.andWhere('e.subject_id = :subjectId', { subjectId: query.subject_id });
    if (query.actor_id !== undefined) select.andWhere('e.actor_id = :actorId', { actorId: query.actor_id });
    if (query.run_id !== undefined) select.andWhere('e.run_id = :runId', { runId: query.run_id });
    if (since) select.andWhere('e.occurred_at >= :since', { since });
    if (until) select.andWhere('e.occurred_at < :until', { until });
    if (before !== undefined) select.andWhere('e.position < :before', { before });

    // One extra row tells whether an older page exists, without a count query.
    const rows = await select
      .orderBy('e.position', 'DESC')
      .limit(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    return {
      events: page.map(toDto),
      next_cursor: rows.length > limit ? encodeAuditCursor(page[page.length - 1].position) : null,
    };
  }
}

function toDto(event: AuditEvent): AuditEventDto {
  return {
    position: event.position,
    event_id: event.eventId,
    occurred_at: event.occurredAt.toISOString(),
    event_type: event.eventType,
    actor: { kind: event.actorKind, id: event.actorId, name: event.actorName },
    subject: { type: event.subjectType, id: event.subjectId },
    run_id: event.runId,
    phase_id: event.phaseId,
    details: event.details,
    request_id: event.requestId,
    prev_hash: event.prevHash,
    hash: event.hash,
  };
}
