/**
 * Page cursors of `GET /audit/events`: opaque to clients, a chain position to us. Pages are newest first,
 * so the cursor is "events before this position": stable while new events are appended.
 */
export function encodeAuditCursor(beforePosition: number): string {
  return Buffer.from(JSON.stringify({ before: beforePosition }), 'utf8').toString('base64url');
}

/** The position a cursor stands for, or null when the text is not a cursor we made. */
export function decodeAuditCursor(cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    const before = decoded?.before;
    return typeof before === 'number' && Number.isSafeInteger(before) && before > 0 ? before : null;
  } catch {
    return null;
  }
}
