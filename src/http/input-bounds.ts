/**
 * The bounds every client input shares (docs/CANONICAL_API_CONTRACT.md, "Bounds"): a request field, query
 * or path parameter names one of these rather than a literal, so the code, the contract and the tests agree.
 * Anything larger is a client bug, refused with a 4xx before SQL.
 */
import { INT4_MAX } from '../database/limits';

export { INT4_MAX };
/** The smallest PostgreSQL `integer` (int4). */
export const INT32_MIN = -INT4_MAX - 1;

/** Client-supplied ids (`run_id`, `phase_id`, `tier_id`): executor compatibility (docs/WIRE_FORMAT.md). */
export const ID_MAX_LENGTH = 255;
/** Names and short labels. */
export const NAME_MAX_LENGTH = 500;
/** Free text (descriptions, notes, probe output). */
export const TEXT_MAX_LENGTH = 100_000;
/** Entries of any list in a body. */
export const LIST_MAX_ITEMS = 1_000;
/** A repository- or run-relative file path (the artifact route's own limit). */
export const PATH_MAX_LENGTH = 4096;
/** A UUID in its canonical text form. */
export const UUID_LENGTH = 36;
/** An ISO-8601 timestamp: `2026-01-01T00:00:00.000000+00:00` is 32; room for more fraction digits. */
export const TIMESTAMP_MAX_LENGTH = 64;

/**
 * Free-form JSON objects (action payloads, `decision_info`, `scope`, error `context`): what the
 * `@BoundedJson()` validator enforces on top of the global body guard (64 levels, no NUL, no reserved key).
 */
export const FREE_FORM = {
  /** Members of any one object, at any depth. */
  maxProperties: 1_000,
  /** Entries of any one array, at any depth. */
  maxItems: LIST_MAX_ITEMS,
  /** Nesting below the field itself. */
  maxDepth: 32,
  /** The field as compact JSON, in UTF-8 bytes. */
  maxBytes: 1_048_576,
} as const;

/** `patch_content` in UTF-8 bytes unless AUTOPACK_MAX_PATCH_BYTES says otherwise (413 beyond, not 422). */
export const DEFAULT_MAX_PATCH_BYTES = 1_048_576;
