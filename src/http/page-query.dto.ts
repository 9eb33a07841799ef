import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { QueryInteger } from './query-integer';

/** Deepest `offset` accepted (old clients); deeper pages are reached with `cursor` (src/http/keyset-page.ts). */
export const MAX_OFFSET = 10_000;
export const CURSOR_MAX_LENGTH = 512;
/**
 * `?cursor=`: the `next_cursor` of the previous page of a keyset list (src/http/keyset-page.ts checks that
 * this list made it); here only its outward shape.
 */
export function CursorQuery(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      maxLength: CURSOR_MAX_LENGTH,
      pattern: '^[A-Za-z0-9_-]+$',
      description:
        'The `next_cursor` of the previous page: the page after it, at the cost of the first page. Opaque; a cursor this list did not return is a 400.',
    }),
    IsOptional(),
    IsString(),
    MaxLength(CURSOR_MAX_LENGTH),
    Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a next_cursor this API returned' }),
  );
}

/** The 400 for an `offset` past MAX_OFFSET: it names `cursor`, the way deeper. */
export const OFFSET_TOO_DEEP = `offset must not be greater than ${MAX_OFFSET}: page deeper with cursor (the next_cursor of the previous page)`;

/**
 * `?limit=1..100&offset=0..10000`: paging of a list that cannot be cut by keyset (an aggregate computed per
 * request), so its depth is bounded instead.
 */
export class OffsetPageQueryDto {
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 20;

  /** Rows to skip. Deeper than 10,000 is refused. */
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET, { message: `offset must not be greater than ${MAX_OFFSET}` })
  offset?: number = 0;
}

/** `?limit=1..100&offset=0..10000&cursor=…`, the paging every keyset list accepts. */
export class PageQueryDto {
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 20;

  /** Rows to skip (old clients). Deeper than 10,000 is refused: use `cursor`. */
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET, { message: OFFSET_TOO_DEEP })
  offset?: number = 0;

  /** `next_cursor` of the previous page: the page after it, at the cost of the first page. */
  @CursorQuery()
  cursor?: string;
}

/**
 * `?limit=1..500&cursor=…` of the executors' pending lists (`GET /approval/pending`,
 * `GET /governance/pending`): without parameters the first 500, oldest first, as before.
 */
export class PendingPageQueryDto {
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number = 500;

  @CursorQuery()
  cursor?: string;
}

/** The paging fields of every keyset list answer, beside its items. */
export class KeysetListFieldsDto {
  /**
   * Items matching the filters that the caller may see, over all pages, counted up to 10,000 (constant
   * cost): beyond that it is 10,000 and `total_exact` is false.
   */
  total: number;
  /** False when more than 10,000 items match: `total` is then a lower bound. */
  total_exact: boolean;
  limit: number;
  offset: number;
  /** Pass as `cursor` for the next page (same cost as the first); null on the last page. */
  next_cursor: string | null;
}
