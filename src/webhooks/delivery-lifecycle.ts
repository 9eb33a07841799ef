/**
 * A webhook delivery's lifecycle, every allowed move in one table:
 *
 *   pending ──claim──▶ sending ──2xx──▶ succeeded
 *      ▲                  │──failure, attempts left──▶ pending (next attempt by the retry schedule)
 *      │                  │──failure, none left / 410──▶ failed
 *      │                  └──lease over (the process died)──▶ sending again (re-claimed: at-least-once)
 *      └──────────redeliver (an admin)────────── succeeded | failed
 */
export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_TRANSITIONS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  pending: ['sending'],
  sending: ['succeeded', 'pending', 'failed', 'sending'],
  succeeded: ['pending'],
  failed: ['pending'],
};

export const canMoveDelivery = (from: DeliveryStatus, to: DeliveryStatus): boolean =>
  DELIVERY_TRANSITIONS[from].includes(to);

/**
 * After the first attempt, retries wait these delays (each ±20 % jitter): 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h and 6 h — eight attempts over about 24 hours (the Standard Webhooks reference schedule, cut to a
 * day). Then the delivery is `failed`; an admin can redeliver it.
 */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 21_600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
const JITTER = 0.2;
const RETRY_AFTER_MAX_MS = 24 * 3600_000;

/**
 * The delay before attempt `attempts + 1`, or null when `attempts` was the last. A receiver's
 * `Retry-After` (seconds or an HTTP date) is honoured when it asks for longer (capped at a day).
 */
export function retryDelayMs(attempts: number, retryAfter?: string, random = Math.random): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  const base = RETRY_DELAYS_MS[attempts - 1];
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  const asked = parseRetryAfter(retryAfter);
  return asked === null ? jittered : Math.max(jittered, Math.min(asked, RETRY_AFTER_MAX_MS));
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`, in ms from now; null if absent. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined || value.trim() === '') return null;
  if (/^\d{1,10}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
