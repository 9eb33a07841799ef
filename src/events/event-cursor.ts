/**
 * The durable cursor of the event log: opaque to clients, a position `(tx_id, id)` to us. "After this
 * cursor" means every event whose position sorts after it (docs/EVENTS.md, "Cursor").
 */
export interface EventPosition {
  txId: number;
  id: number;
}

const PREFIX = 'e1.';

export function encodeEventCursor(position: EventPosition): string {
  return PREFIX + Buffer.from(`${position.txId}.${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor stands for, or null when the text is not a cursor this API made. */
export function decodeEventCursor(cursor: string): EventPosition | null {
  if (!cursor.startsWith(PREFIX) || cursor.length > 64) return null;
  const body = cursor.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return null;
  const match = /^(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(body, 'base64url').toString('utf8'));
  if (!match) return null;
  const position = { txId: Number(match[1]), id: Number(match[2]) };
  return Number.isSafeInteger(position.txId) && Number.isSafeInteger(position.id) ? position : null;
}

export const comparePositions = (a: EventPosition, b: EventPosition): number =>
  a.txId === b.txId ? a.id - b.id : a.txId - b.txId;
