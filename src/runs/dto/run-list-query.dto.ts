import { IsIn, IsInt, IsISO8601, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { TIMESTAMP_MAX_LENGTH } from '../../http/input-bounds';
import { RUN_STATES } from '../run-states';
import type { RunState } from '../run-states';
import { INT4_MAX } from './limits';
import { QueryInteger } from '../../http/query-integer';

/** Paging shared by the operator lists: 1–100 per page. */
export class PageQueryDto {
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 20;

  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  offset?: number = 0;
}

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
