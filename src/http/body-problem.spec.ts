import { bodyProblem, MAX_BODY_DEPTH } from './body-problem';

const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

describe('bodyProblem (the shared body guard)', () => {
  it('accepts ordinary bodies, scalars and nesting up to the limit', () => {
    expect(bodyProblem({ run: { run_id: 'r', tags: ['a', 1, null, true] } })).toBeUndefined();
    expect(bodyProblem('text')).toBeUndefined();
    expect(bodyProblem(42)).toBeUndefined();
    expect(bodyProblem(nested(MAX_BODY_DEPTH))).toBeUndefined();
  });

  it('refuses nesting past the limit', () => {
    expect(bodyProblem(nested(MAX_BODY_DEPTH + 1))).toEqual({
      loc: ['body'],
      msg: `nested more than ${MAX_BODY_DEPTH} levels deep`,
      type: 'too_deep',
    });
  });

  it('names where a NUL sits, in a value or a key, at any depth', () => {
    expect(bodyProblem({ a: [{ b: 'x\u0000' }] })).toMatchObject({
      loc: ['body', 'a', 0, 'b'],
      type: 'nul_character',
    });
    expect(bodyProblem({ a: { ['k\u0000']: 1 } })).toMatchObject({
      loc: ['body', 'a', 'k\u0000'],
      msg: 'key must not contain NUL characters',
    });
    expect(bodyProblem('\u0000')).toMatchObject({ loc: ['body'], type: 'nul_character' });
  });

  it('refuses reserved keys at any depth, JSON.parse’s own __proto__ included', () => {
    expect(bodyProblem(JSON.parse('{"a":[{"__proto__":{"admin":true}}]}'))).toEqual({
      loc: ['body', 'a', 0, '__proto__'],
      msg: 'reserved key is not allowed',
      type: 'extra_forbidden',
    });
    expect(bodyProblem(JSON.parse('{"constructor":{}}'))).toMatchObject({ loc: ['body', 'constructor'] });
    expect(bodyProblem({ x: { prototype: 1 } })).toMatchObject({ loc: ['body', 'x', 'prototype'] });
  });

  it('walks a wide body (a million values under the body limit) to its last value', () => {
    const values: unknown[] = Array(1_000_000).fill(0);
    values.push('late\u0000');
    expect(bodyProblem([[values]])).toMatchObject({ loc: ['body', 0, 0, 1_000_000] });
  });
});
