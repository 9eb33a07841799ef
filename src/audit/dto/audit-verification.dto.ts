/** The audit chain's verification as `npm run audit:verify` reports it, for the console's admin page. */
export class AuditVerificationDto {
  /** True when every link from position 1 to the chain head checks out. */
  intact: boolean;
  /** Events verified (all of them when intact; those before the first problem otherwise). */
  count: number;
  /** The hash of the last event, when intact. */
  head_hash?: string;
  /** Where the chain first breaks, when not intact. */
  position?: number;
  /** `missing_event`, `broken_link`, `altered_event` or `head_mismatch`, when not intact. */
  problem?: string;
  /** What is wrong, in words, when not intact. */
  message?: string;
  /** When this verification finished (ISO-8601 UTC). */
  verified_at: string;
}
