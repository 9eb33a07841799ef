/** Deeper JSON than any client of this API sends; deeper bodies would overflow recursive validators. */
export const MAX_BODY_DEPTH = 64;

/**
 * Keys no body may carry at any depth. JSON.parse makes them own properties that the validators cannot
 * see as unknown fields (every object already has a `constructor`), and copying them onto an object can
 * replace its prototype.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What the database or the validators cannot take in a parsed JSON body: nesting deeper than `maxDepth`
 * (recursive validators overflow), a NUL character in a key or string (PostgreSQL text and jsonb refuse
 * it) or a reserved key, with where it is. Iterative, so the check itself cannot overflow. Undefined when
 * the body is fine.
 */
export function bodyProblem(
  value: unknown,
  maxDepth = MAX_BODY_DEPTH,
): { loc: Array<string | number>; msg: string; type: string } | undefined {
  // Only containers go on the stack, each with a link to its parent: the location is built when a
  // problem is found, so a body of a million small values costs a million checks and no copies.
  interface Frame {
    node: object;
    depth: number;
    parent?: Frame;
    key?: string | number;
  }
  const locOf = (frame: Frame | undefined, key?: string | number): Array<string | number> => {
    const path: Array<string | number> = key === undefined ? [] : [key];
    for (let at = frame; at?.key !== undefined; at = at.parent) path.unshift(at.key);
    return ['body', ...path];
  };
  const nul = (loc: Array<string | number>, what = 'must') => ({
    loc,
    msg: `${what} not contain NUL characters`,
    type: 'nul_character',
  });
  if (typeof value === 'string') return value.includes('\u0000') ? nul(['body']) : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const stack: Frame[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) {
      return { loc: ['body'], msg: `nested more than ${maxDepth} levels deep`, type: 'too_deep' };
    }
    const check = (child: unknown, at: string | number) => {
      if (typeof child === 'string') return child.includes('\u0000') ? nul(locOf(frame, at)) : undefined;
      if (child !== null && typeof child === 'object') {
        stack.push({ node: child, depth: frame.depth + 1, parent: frame, key: at });
      }
      return undefined;
    };
    if (Array.isArray(frame.node)) {
      // By index: Object.keys of a million-element array would allocate a million strings.
      for (let index = 0; index < frame.node.length; index++) {
        const problem = check((frame.node as unknown[])[index], index);
        if (problem) return problem;
      }
      continue;
    }
    for (const key of Object.keys(frame.node)) {
      if (key.includes('\u0000')) return nul(locOf(frame, key), 'key must');
      if (RESERVED_KEYS.has(key)) {
        return { loc: locOf(frame, key), msg: 'reserved key is not allowed', type: 'extra_forbidden' };
      }
      const problem = check((frame.node as Record<string, unknown>)[key], key);
      if (problem) return problem;
    }
  }
  return undefined;
}
