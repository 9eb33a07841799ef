import type { DataSource } from 'typeorm';
import type { JsonValue } from '../canonical-json/canonical-json';
import { computeAuditHash, GENESIS_HASH, HashedAuditFields } from './audit-hash';

export const DEFAULT_VERIFY_BATCH_SIZE = 2_000;

export type AuditChainProblem = 'missing_event' | 'broken_link' | 'altered_event' | 'head_mismatch';

export type AuditChainVerification =
  | { intact: true; count: number; headHash: string }
  | {
      intact: false;
      /** Events verified before the first problem. */
      count: number;
      /** The position where the chain first breaks. */
      position: number;
      problem: AuditChainProblem;
      message: string;
    };

export interface VerifyOptions {
  /** Rows read per query: memory stays bounded whatever the length of the chain. */
  batchSize?: number;
  onProgress?: (verified: number) => void;
}

interface AuditRow {
  position: string;
  event_id: string;
  occurred_at: Date;
  event_type: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  subject_type: string;
  subject_id: string;
  run_id: string | null;
  phase_id: string | null;
  details: { [key: string]: JsonValue };
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/**
 * Walks the audit chain from position 1 and reports the first link that is missing, altered or out of
 * place, else the number of events. Reads in keyset-paginated batches inside one REPEATABLE READ READ ONLY
 * transaction: constant memory, and one consistent snapshot even while others append.
 */
export async function verifyAuditChain(
  dataSource: DataSource,
  options: VerifyOptions = {},
): Promise<AuditChainVerification> {
  const batchSize = options.batchSize ?? DEFAULT_VERIFY_BATCH_SIZE;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  let next: Promise<AuditRow[]> | undefined;
  try {
    await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let expectedPosition = 1;
    let previousHash = GENESIS_HASH;

    const fetchFrom = (position: number): Promise<AuditRow[]> =>
      runner.query(
        `SELECT position, event_id, occurred_at, event_type, actor_kind, actor_id, actor_name, subject_type,
                subject_id, run_id, phase_id, details, request_id, prev_hash, hash
         FROM audit_events WHERE position >= $1 ORDER BY position LIMIT $2`,
        [position, batchSize],
      );
    // The next batch is requested before this one is hashed, so PostgreSQL reads while we hash.
    next = fetchFrom(1);
    while (next) {
      const rows: AuditRow[] = await next;
      next = rows.length === batchSize ? fetchFrom(Number(rows[rows.length - 1].position) + 1) : undefined;
      for (const row of rows) {
        const position = Number(row.position);
        const verified = expectedPosition - 1;
        const broken = (problem: AuditChainProblem, message: string): AuditChainVerification => ({
          intact: false,
          count: verified,
          position: expectedPosition,
          problem,
          message,
        });
        if (position !== expectedPosition) {
          return broken(
            'missing_event',
            `missing link: no event at position ${expectedPosition} (the next one is at ${position})`,
          );
        }
        if (row.prev_hash !== previousHash) {
          return broken(
            'broken_link',
            `broken link at position ${position} (event ${row.event_id}): prev_hash ${short(row.prev_hash)} ` +
              `is not the hash of position ${position - 1} (${short(previousHash)})`,
          );
        }
        const recomputed = computeAuditHash(toHashedFields(row));
        if (recomputed !== row.hash) {
          return broken(
            'altered_event',
            `broken link at position ${position} (event ${row.event_id}): its hash does not match its contents ` +
              `(stored ${short(row.hash)}, computed ${short(recomputed)})`,
          );
        }
        previousHash = row.hash;
        expectedPosition++;
      }
      options.onProgress?.(expectedPosition - 1);
    }

    const count = expectedPosition - 1;
    const heads: Array<{ position: string; hash: string }> = await runner.query(
      'SELECT position, hash FROM audit_chain_head WHERE id = 1',
    );
    const head = heads[0];
    if (!head || Number(head.position) !== count || head.hash !== previousHash) {
      return {
        intact: false,
        count,
        position: count + 1,
        problem: 'head_mismatch',
        message: head
          ? `${Number(head.position) > count ? 'missing link' : 'chain head out of step'}: the chain head names ` +
            `position ${head.position} (${short(head.hash)}) ` +
            `but the chain ends at position ${count}` +
            (count > 0 ? ` (${short(previousHash)})` : '')
          : 'the audit chain head row is missing',
      };
    }
    return { intact: true, count, headHash: previousHash };
  } finally {
    await next?.catch(() => undefined); // a batch still in flight when a break was found
    await runner.query('ROLLBACK').catch(() => undefined);
    await runner.release();
  }
}

function toHashedFields(row: AuditRow): HashedAuditFields {
  return {
    position: Number(row.position),
    event_id: row.event_id,
    occurred_at: row.occurred_at.toISOString(),
    event_type: row.event_type,
    actor_kind: row.actor_kind,
    actor_id: row.actor_id,
    actor_name: row.actor_name,
    subject_type: row.subject_type,
    subject_id: row.subject_id,
    run_id: row.run_id,
    phase_id: row.phase_id,
    details: row.details,
    request_id: row.request_id,
    prev_hash: row.prev_hash,
  };
}
