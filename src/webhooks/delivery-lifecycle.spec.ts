import {
  canMoveDelivery,
  DELIVERY_STATUSES,
  MAX_ATTEMPTS,
  parseRetryAfter,
  retryDelayMs,
} from './delivery-lifecycle';

describe('webhook delivery lifecycle', () => {
  it('never leaves a final state except by an admin redelivering', () => {
    for (const to of DELIVERY_STATUSES) {
      expect(canMoveDelivery('succeeded', to)).toBe(to === 'pending');
      expect(canMoveDelivery('failed', to)).toBe(to === 'pending');
    }
    expect(canMoveDelivery('pending', 'succeeded')).toBe(false);
  });

  it('retries on the documented schedule with ±20 % jitter, about a day in all, then gives up', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(4_000);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(6_000);
    expect(retryDelayMs(2, undefined, () => 0.5)).toBe(300_000);
    const total = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) =>
      retryDelayMs(i + 1, undefined, () => 0.5)!,
    );
    expect(total.reduce((a, b) => a + b, 0) / 3600_000).toBeCloseTo(23.6, 1);
    expect(retryDelayMs(MAX_ATTEMPTS)).toBeNull();
  });

  it('honours Retry-After (seconds or a date) when it asks for longer, capped at a day', () => {
    expect(retryDelayMs(1, '120', () => 0.5)).toBe(120_000);
    expect(retryDelayMs(2, '1', () => 0.5)).toBe(300_000);
    expect(retryDelayMs(1, '99999999', () => 0.5)).toBe(24 * 3600_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(58_000);
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
