import { HeldBackBackoff } from './held-back-backoff';

describe('HeldBackBackoff', () => {
  it('retries quickly at first, then doubles while nothing moves, up to the cap', () => {
    const backoff = new HeldBackBackoff(50, 1_000);
    const stuck = { heldBack: true, progressed: false };
    const delays = Array.from({ length: 7 }, () => backoff.next(stuck));
    expect(delays).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });

  it('starts again from the first delay when a read makes progress', () => {
    const backoff = new HeldBackBackoff(50, 1_000);
    backoff.next({ heldBack: true, progressed: false });
    backoff.next({ heldBack: true, progressed: false });
    expect(backoff.next({ heldBack: true, progressed: true })).toBe(50);
    expect(backoff.next({ heldBack: true, progressed: false })).toBe(100);
  });

  it('has no opinion when nothing is held back, and forgets the wait', () => {
    const backoff = new HeldBackBackoff(50, 1_000);
    backoff.next({ heldBack: true, progressed: false });
    backoff.next({ heldBack: true, progressed: false });
    expect(backoff.next({ heldBack: false, progressed: false })).toBeUndefined();
    expect(backoff.next({ heldBack: true, progressed: false })).toBe(50);
  });
});
