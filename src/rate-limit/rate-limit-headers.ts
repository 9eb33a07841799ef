import type { Response } from 'express';

/** One budget's state as a client sees it. */
export interface BudgetState {
  limit: number;
  remaining: number;
  /** Seconds until its window ends. */
  reset: number;
}

/**
 * A request counted against a second budget (login: per IP by the guard, per username by the service)
 * reports the tightest of them in X-RateLimit-*: the one with fewer requests left (on a tie, the later
 * reset), so a client that obeys the headers never meets a 429 it was not warned of.
 */
export function reportTighterBudget(res: Response, budget: BudgetState): void {
  const remaining = Number(res.getHeader('X-RateLimit-Remaining'));
  const reset = Number(res.getHeader('X-RateLimit-Reset'));
  const tighter =
    !Number.isFinite(remaining) ||
    budget.remaining < remaining ||
    (budget.remaining === remaining && budget.reset > reset);
  if (!tighter) return;
  res.setHeader('X-RateLimit-Limit', budget.limit);
  res.setHeader('X-RateLimit-Remaining', budget.remaining);
  res.setHeader('X-RateLimit-Reset', budget.reset);
}
