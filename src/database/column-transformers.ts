import type { ValueTransformer } from 'typeorm';

/**
 * node-postgres returns `bigint` columns as strings (they may exceed 2^53). Token counts stay far below
 * that, so they are read back as numbers.
 */
export const BIGINT_AS_NUMBER: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
