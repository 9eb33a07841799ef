import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';

/**
 * A query parameter that must be a decimal integer. `@Type(() => Number)` would turn `""` into 0 and
 * `0x10` into 16, `1e3` into 1000; here anything but an optional minus and 1–20 digits stays a string and
 * fails `@IsInt()` (400). Pair it with `@Max`: twenty digits still overflow a PostgreSQL integer.
 */
export const QueryInteger = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^-?\d{1,20}$/.test(value) ? Number(value) : value,
    ),
    // Query DTOs become parameters, which the contract's integer pass (src/openapi) cannot see: say it here.
    ApiProperty({ type: 'integer', format: 'int32' }),
  );
