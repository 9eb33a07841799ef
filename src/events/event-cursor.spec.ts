import { comparePositions, decodeEventCursor, encodeEventCursor } from './event-cursor';

describe('event cursor', () => {
  it('round-trips a position and is opaque', () => {
    const cursor = encodeEventCursor({ txId: 123456789, id: 42 });
    expect(cursor).not.toContain('123456789');
    expect(decodeEventCursor(cursor)).toEqual({ txId: 123456789, id: 42 });
  });

  it.each([
    '',
    'x',
    'e1.',
    'e1.!!',
    `e1.${Buffer.from('1.2.3').toString('base64url')}`,
    `e1.${Buffer.from('-1.2').toString('base64url')}`,
    `e1.${Buffer.from('99999999999999999.1').toString('base64url')}`,
  ])('refuses %p', (text) => expect(decodeEventCursor(text)).toBeNull());

  it('orders by transaction first, then id', () => {
    expect(comparePositions({ txId: 1, id: 9 }, { txId: 2, id: 1 })).toBeLessThan(0);
    expect(comparePositions({ txId: 2, id: 1 }, { txId: 2, id: 3 })).toBeLessThan(0);
  });
});
