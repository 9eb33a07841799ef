import { TIMESTAMP_MAX_LENGTH } from '../../http/input-bounds';
import { QueryInteger } from '../../http/query-integer';
import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  MaxLength,
} from 'class-validator';
import { AUDIT_EVENT_TYPE_PATTERN, AUDIT_SUBJECT_TYPES } from '../audit-event-types';

/** The hard maximum of one page; a larger `limit` is refused (400), not silently cut. */
export const AUDIT_PAGE_MAX = 200;
export const AUDIT_PAGE_DEFAULT = 50;

export class AuditEventsQueryDto {
  /** Only events of this type, e.g. `api_key.created`. */
  @IsOptional()
  @Matches(AUDIT_EVENT_TYPE_PATTERN, { message: 'event_type must look like area.what_happened' })
  @Length(1, 64)
  event_type?: string;

  /** Only events about this kind of subject; with `subject_id`, about that one subject. */
  @IsOptional()
  @IsIn(AUDIT_SUBJECT_TYPES)
  subject_type?: string;

  /** Needs `subject_type`. */
  @IsOptional()
  @IsString()
  @Length(1, 256)
  subject_id?: string;

  /** Only events caused by this principal, e.g. `user:<uuid>` or `apikey:instance`. */
  @IsOptional()
  @IsString()
  @Length(1, 256)
  actor_id?: string;

  @IsOptional()
  @IsString()
  @Length(1, 256)
  run_id?: string;

  /** Events at or after this instant (ISO-8601). */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @MaxLength(TIMESTAMP_MAX_LENGTH)
  @IsISO8601({ strict: true })
  since?: string;

  /** Events before this instant (ISO-8601). */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @MaxLength(TIMESTAMP_MAX_LENGTH)
  @IsISO8601({ strict: true })
  until?: string;

  /** `next_cursor` of the previous page. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  cursor?: string;

  /** Events per page, 1–200 (default 50). */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;
}
