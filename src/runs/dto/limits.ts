/** Bounds shared by the runs DTOs: anything larger is a client bug, refused with a 4xx before SQL. */
export { INT4_MAX } from '../../database/limits';
export const ID_MAX_LENGTH = 255;
export const NAME_MAX_LENGTH = 500;
export const TEXT_MAX_LENGTH = 100_000;
export const LIST_MAX_ITEMS = 1_000;
