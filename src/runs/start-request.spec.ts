import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { RunStartDto } from './dto/run-start.dto';
import {
  canonicalJson,
  normalizeScope,
  normalizeStartRequest,
  startRequestFingerprint,
} from './start-request';

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
