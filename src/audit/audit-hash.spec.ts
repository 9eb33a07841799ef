import { createHash } from 'node:crypto';
import { computeAuditHash, GENESIS_HASH, HashedAuditFields } from './audit-hash';

const event: HashedAuditFields = {
  position: 1,
  event_id: '8f14e45f-ceea-467f-a0a6-6b4e7e5d0e12',
  occurred_at: '2026-01-01T00:00:00.000Z',
  event_type: 'api_key.created',
  actor_kind: 'user',
  actor_id: 'user:42',
  actor_name: 'alice',
  subject_type: 'api_key',
  subject_id: 'k1',
  run_id: null,
  phase_id: null,
  details: { scopes: ['runs:read'], name: 'ci' },
  request_id: 'req-1',
  prev_hash: GENESIS_HASH,
};

describe('computeAuditHash', () => {
  it('is sha256(prev_hash ‖ RFC 8785 JSON of the event without hash), written out by hand here', () => {
    const canonical =
      '{"actor_id":"user:42","actor_kind":"user","actor_name":"alice","details":{"name":"ci","scopes":["runs:read"]},' +
      '"event_id":"8f14e45f-ceea-467f-a0a6-6b4e7e5d0e12","event_type":"api_key.created",' +
      '"occurred_at":"2026-01-01T00:00:00.000Z","phase_id":null,"position":1,' +
      `"prev_hash":"${GENESIS_HASH}","request_id":"req-1","run_id":null,"subject_id":"k1","subject_type":"api_key"}`;
    const expected = createHash('sha256').update(`${GENESIS_HASH}${canonical}`, 'utf8').digest('hex');
    expect(computeAuditHash(event)).toBe(expected);
  });

  it('changes with any field, including the position and the predecessor', () => {
    const base = computeAuditHash(event);
    expect(computeAuditHash({ ...event, position: 2 })).not.toBe(base);
    expect(computeAuditHash({ ...event, prev_hash: 'f'.repeat(64) })).not.toBe(base);
    expect(computeAuditHash({ ...event, details: { ...event.details, name: 'cd' } })).not.toBe(base);
    expect(computeAuditHash({ ...event, details: { name: 'ci', scopes: ['runs:read'] } })).toBe(base);
  });
});
