import { jsonDiff } from '../../console/src/lib/json-diff';

/** The console's payload diff (what changed since the last approved action): plain logic, no browser. */
describe('console jsonDiff', () => {
  it('names the changed field with its old and new value', () => {
    expect(jsonDiff({ title: 'Mug', price_cents: 1500 }, { title: 'Mug', price_cents: 15000 })).toEqual([
      { path: 'price_cents', kind: 'changed', before: 1500, after: 15000 },
    ]);
  });

  it('reports added and removed keys and array items, nested', () => {
    expect(
      jsonDiff(
        { a: { b: [1, 2, 3] }, gone: true, 'odd key': 1 },
        { a: { b: [1, 5] }, added: null, 'odd key': 1 },
      ),
    ).toEqual([
      { path: 'a.b[1]', kind: 'changed', before: 2, after: 5 },
      { path: 'a.b[2]', kind: 'removed', before: 3 },
      { path: 'added', kind: 'added', after: null },
      { path: 'gone', kind: 'removed', before: true },
    ]);
  });

  it('treats a change of type as a change of the whole value, and identical values as no change', () => {
    expect(jsonDiff({ x: [1] }, { x: { 0: 1 } })).toEqual([
      { path: 'x', kind: 'changed', before: [1], after: { 0: 1 } },
    ]);
    expect(jsonDiff({ x: [1, { y: 'z' }] }, { x: [1, { y: 'z' }] })).toEqual([]);
    expect(jsonDiff(1, 2)).toEqual([{ path: '(whole payload)', kind: 'changed', before: 1, after: 2 }]);
  });
});
