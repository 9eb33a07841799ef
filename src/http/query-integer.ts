import { Transform } from 'class-transformer';

/**
 * A query parameter that must be a decimal integer. `@Type(() => Number)` would turn `""` into 0 and
 * `0x10` into 16, `1e3` into 1000; here anything but optional-minus-and-digits stays a string and fails
 * `@IsInt()` (400).
 */
export const QueryInteger = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value,
  );
