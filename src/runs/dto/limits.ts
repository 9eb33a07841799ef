/** Bounds shared by the runs DTOs: the shared input bounds (src/http/input-bounds.ts). */
export {
  ID_MAX_LENGTH,
  INT32_MIN,
  INT4_MAX,
  LIST_MAX_ITEMS,
  NAME_MAX_LENGTH,
  PATH_MAX_LENGTH,
  TEXT_MAX_LENGTH,
} from '../../http/input-bounds';
