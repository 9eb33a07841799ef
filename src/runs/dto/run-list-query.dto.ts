import { IsIn, IsISO8601, IsOptional, MaxLength } from 'class-validator';
import { TIMESTAMP_MAX_LENGTH } from '../../http/input-bounds';
import { RUN_STATES } from '../run-states';
import type { RunState } from '../run-states';
import { PageQueryDto } from '../../http/page-query.dto';

/** Paging shared by the operator lists: 1–100 per page, by cursor (or by a bounded offset). */
export { PageQueryDto };

/** `GET /runs`: newest first; optional filters on state and creation time (inclusive bounds). */
export class RunListQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(RUN_STATES)
  state?: RunState;

  /** ISO-8601 timestamp: only runs created at or after it. */
  @IsOptional()
  @MaxLength(TIMESTAMP_MAX_LENGTH)
  @IsISO8601({ strict: true, strictSeparator: true })
  created_after?: string;

  /** ISO-8601 timestamp: only runs created at or before it. */
  @IsOptional()
  @MaxLength(TIMESTAMP_MAX_LENGTH)
  @IsISO8601({ strict: true, strictSeparator: true })
  created_before?: string;
}
