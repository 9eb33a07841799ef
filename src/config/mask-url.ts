/** `postgres://user:secret@host:5432/db` → `postgres://***@host:5432/db`; anything unparseable is fully masked. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const auth = parsed.username || parsed.password ? '***@' : '';
    return `${parsed.protocol}//${auth}${parsed.host}${parsed.pathname}`;
  } catch {
    return '***';
  }
}
