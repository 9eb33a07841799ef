import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';

describe('audit cursors', () => {
  it('round-trip a position', () => {
    expect(decodeAuditCursor(encodeAuditCursor(12345))).toBe(12345);
  });

  it.each([
    '',
    'not base64!',
    Buffer.from('{"before":-1}').toString('base64url'),
    Buffer.from('{"before":1.5}').toString('base64url'),
    Buffer.from('{"before":"7"}').toString('base64url'),
    Buffer.from('[]').toString('base64url'),
    Buffer.from('null').toString('base64url'),
    Buffer.from('garbage').toString('base64url'),
  ])('refuse %j', (cursor) => {
    expect(decodeAuditCursor(cursor)).toBeNull();
  });
});
