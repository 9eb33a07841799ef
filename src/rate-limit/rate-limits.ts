/**
 * Named per-route rate limits (requests per minute per principal, else per client IP). Each is read
 * from its environment variable by loadConfig and shown in the generated contract. A route opts in
 * with `@RateLimit('name')`; every other route has the default budget.
 */
export const RATE_LIMITS = {
  default: { env: 'AUTOPACK_RATE_LIMIT_PER_MINUTE', perMinute: 600 },
  /** Password guessing: counted per client IP by the guard and per username by the login service. */
  login: { env: 'AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE', perMinute: 5 },
  /** SSO sign-in starts and callbacks, per client IP: each start writes a row and calls the provider. */
  sso: { env: 'AUTOPACK_SSO_RATE_LIMIT_PER_MINUTE', perMinute: 20 },
  /**
   * Refresh and logout, per client IP (they carry no principal): a tab refreshes every few minutes, a
   * guesser of refresh tokens (256 random bits) gets nowhere, but a flood must not reach the database.
   */
  session_refresh: { env: 'AUTOPACK_REFRESH_RATE_LIMIT_PER_MINUTE', perMinute: 30 },
  /** Starting a run creates many rows; an executor loop gone wrong must not flood the database. */
  runs_start: { env: 'AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE', perMinute: 10 },
  /** Human decisions on approvals: a sensitive business flow, throttled per user. */
  decisions: { env: 'AUTOPACK_RATE_LIMIT_DECISIONS_PER_MINUTE', perMinute: 30 },
  /** Listing a run's artifacts walks its directory tree (bounded, but not free). */
  artifacts_index: { env: 'AUTOPACK_RATE_LIMIT_ARTIFACTS_INDEX_PER_MINUTE', perMinute: 60 },
  /** Each artifact read costs up to the read cap of disk I/O plus redaction. */
  artifacts_file: { env: 'AUTOPACK_RATE_LIMIT_ARTIFACTS_FILE_PER_MINUTE', perMinute: 240 },
  /** Approving or rejecting an external action: a sensitive business flow, one human at human speed. */
  actions_approve: { env: 'AUTOPACK_RATE_LIMIT_ACTIONS_APPROVE_PER_MINUTE', perMinute: 30 },
  /** Execution claims: an executor polling in a tight loop must not hammer the claim transaction. */
  actions_claim: { env: 'AUTOPACK_RATE_LIMIT_ACTIONS_CLAIM_PER_MINUTE', perMinute: 120 },
} as const satisfies Record<string, { env: string; perMinute: number }>;

export type RateLimitName = keyof typeof RATE_LIMITS;

/** Every budget counts over a fixed window of this length; a blocked key waits at most as long. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;
export const RATE_LIMIT_WINDOW_MS = RATE_LIMIT_WINDOW_SECONDS * 1000;
/** The largest budget a deployment may configure (requests per window). */
export const RATE_LIMIT_MAX_PER_MINUTE = 1_000_000;
