import { QueryInteger } from '../http/query-integer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { INT4_MAX } from '../database/limits';

export const MAX_PAGE_SIZE = 100;

/** `?limit=1..100&offset=0..` for the identity admin lists. */
export class PageQueryDto {
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(INT4_MAX)
  offset?: number;
}
