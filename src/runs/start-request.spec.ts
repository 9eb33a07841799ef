import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { RunStartDto } from './dto/run-start.dto';
import { createHash } from 'node:crypto';
import { CanonicalJsonError, canonicalJson } from '../canonical-json/canonical-json';
import { normalizeScope, normalizeStartRequest, startRequestFingerprint } from './start-request';

const dto = (plain: object) => plainToInstance(RunStartDto, plain);

describe('start request normalisation', () => {
  it('turns read_only_context strings into { path, reason } and drops entries without a path', () => {
    expect(
      normalizeScope({
        paths: ['src'],
        read_only_context: [
          'a.md',
          { path: 'b.md', reason: 'why' },
          { path: 'c.md' },
          { reason: 'x' },
          { path: '' },
          7,
          null,
        ],
      }),
    ).toEqual({
      paths: ['src'],
      read_only_context: [
        { path: 'a.md', reason: '' },
        { path: 'b.md', reason: 'why' },
        { path: 'c.md', reason: '' },
      ],
    });
    expect(normalizeScope(undefined)).toBeNull();
    expect(normalizeScope({ paths: [] })).toEqual({ paths: [] });
  });

  it('fills the wire-format defaults, the token cap from configuration', () => {
    const request = normalizeStartRequest(dto({ run: { run_id: 'r' } }), 777);
    expect(request.run).toEqual({
      run_id: 'r',
      safety_profile: 'normal',
      run_scope: 'multi_tier',
      token_cap: 777,
      max_phases: 25,
      max_duration_minutes: 120,
    });
    expect(request.tiers).toEqual([]);
    expect(request.phases).toEqual([]);
  });

  it('gives equal requests equal fingerprints, whatever the key order or spelled-out defaults', () => {
    const a = normalizeStartRequest(dto({ run: { run_id: 'r', token_cap: 10 } }), 5);
    const b = normalizeStartRequest(
      dto({ run: { token_cap: 10, run_id: 'r', safety_profile: 'normal' } }),
      5,
    );
    const c = normalizeStartRequest(dto({ run: { run_id: 'r', token_cap: 11 } }), 5);
    expect(startRequestFingerprint(a)).toBe(startRequestFingerprint(b));
    expect(startRequestFingerprint(a)).not.toBe(startRequestFingerprint(c));
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});

describe('startRequestFingerprint uses the one RFC 8785 canonicaliser', () => {
  // Fingerprints are stored with each run (a retried start is recognised by them), so the bytes must not
  // change: this value was computed by the runs module's former key-sorting serialiser, before run starts
  // moved onto src/canonical-json.
  const body = {
    run: { run_id: 'r-ü€😀', token_cap: 10 },
    tiers: [{ tier_id: 't1', tier_index: 0, name: 'T' }],
    phases: [
      {
        phase_id: 'p1',
        phase_index: 0,
        tier_id: 't1',
        name: 'P',
        description: 'd\u2028"',
        scope: { read_only_context: ['a', { path: 'b', reason: 'x' }], z: 1e21, y: 0.1, '\u20ac': -0 },
      },
    ],
  };

  it('is the SHA-256 of canonicalJson and equals the fingerprint stored before the move', () => {
    const request = normalizeStartRequest(dto(body), 5);
    const expected = '42866fcdedd49d5aaed9ace7eb70ee3dc5bb6fc0e922d34caa56a9ea79b4d90f';
    expect(createHash('sha256').update(canonicalJson(request), 'utf8').digest('hex')).toBe(expected);
    expect(startRequestFingerprint(request)).toBe(expected);
  });

  it('refuses a lone surrogate (no canonical form) instead of hashing it', () => {
    const request = normalizeStartRequest(dto({ run: { run_id: 'r\ud800' } }), 5);
    expect(() => startRequestFingerprint(request)).toThrow(CanonicalJsonError);
  });
});
