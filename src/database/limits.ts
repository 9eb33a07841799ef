/** The largest PostgreSQL `integer` (int4): a bigger count, offset or size is refused with a 4xx before SQL. */
export const INT4_MAX = 2_147_483_647;
