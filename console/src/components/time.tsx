import { useEffect, useState } from 'preact/hooks';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A time in the reader's locale, the UTC instant on hover (and for machines, in `datetime`). */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="muted">—</span>;
  const date = new Date(iso);
  return (
    <time dateTime={date.toISOString()} title={`${date.toISOString().replace('.000Z', 'Z')} UTC`}>
      {dateTime.format(date)}
    </time>
  );
}

/** "3 min", "2 h 5 min": the length of a span of milliseconds, coarse enough to read at a glance. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The current time, ticking every `everyMs` (for ages and countdowns). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** How long ago, with the exact instant on hover. */
export function Age({ iso, now }: { iso: string; now: number }) {
  const date = new Date(iso);
  return (
    <time dateTime={date.toISOString()} title={`${date.toISOString()} UTC`}>
      {formatDuration(now - date.getTime())} ago
    </time>
  );
}

/** A live countdown to an expiry; "expired" once past, marked urgent in the last five minutes. */
export function Countdown({ iso, now }: { iso: string | null | undefined; now: number }) {
  if (!iso) return <span class="muted">no expiry</span>;
  const date = new Date(iso);
  const left = date.getTime() - now;
  const cls = left <= 0 ? 'countdown expired' : left < 5 * 60_000 ? 'countdown urgent' : 'countdown';
  return (
    <time class={cls} dateTime={date.toISOString()} title={`Expires ${date.toISOString()} UTC`}>
      {left <= 0 ? 'expired' : `expires in ${formatDuration(left)}`}
    </time>
  );
}
