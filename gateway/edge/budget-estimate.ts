import { Lru } from '../../platform/lru.js';

/**
 * Lets a request through without waiting for Redis while its caller is far
 * from their limit. Every request is still counted in Redis (the one shared
 * budget of every gateway); what changes is whether the request waits for
 * that count. Each answer tells how many points the caller has left in the
 * window; while this process's estimate (the last answer, less what it let
 * through since) stays above the margin, the next request goes ahead at once
 * and its count follows in the background. Near the limit, and for a caller
 * not seen in this window, requests wait for Redis as before, so refusals
 * start where they always did. Letting through more than the budget would
 * take callers spending more than the margin across all gateways within one
 * Redis round trip (plus the up to 10 ms general-budget.ts gathers counts for).
 *
 * This takes a Redis round trip off the path of almost every request, the
 * largest single wait of a short query on the gateway.
 */

/** What a limiter answers (rate-limiter-flexible's RateLimiterRes, for a consume or a refusal). */
export interface BudgetAnswer {
  remainingPoints: number;
  msBeforeNext: number;
}

interface Estimate {
  remaining: number;
  /** Epoch ms when the window the estimate belongs to ends. */
  windowEndsAt: number;
}

/** Callers remembered at once; others are simply asked about again. */
const MAX_CALLERS = 10_000;

export class BudgetEstimate {
  private readonly callers = new Lru<string, Estimate>(MAX_CALLERS);
  readonly margin: number;
  /** How far two answers' window ends may differ and still be the same window (clocks, latency). */
  private readonly sameWindow: number;

  /** `points` per window of `windowMs`; the margin is a tenth of the points (at least one). */
  constructor(points: number, windowMs: number) {
    this.margin = Math.max(1, Math.ceil(points / 10));
    this.sameWindow = Math.min(1_000, windowMs / 2);
  }

  /** Whether the caller may go ahead before Redis answers; if so, it is counted here at once. */
  admitEarly(key: string, now = Date.now()): boolean {
    const estimate = this.callers.get(key);
    if (!estimate || estimate.windowEndsAt <= now || estimate.remaining <= this.margin) {
      return false;
    }
    estimate.remaining -= 1;
    return true;
  }

  /**
   * Learns from Redis' answer (a consume or a refusal). Answers can arrive out
   * of order; within one window the estimate only goes down, so a late answer
   * never raises it.
   */
  learn(key: string, answer: BudgetAnswer, now = Date.now()): void {
    const windowEndsAt = now + Math.max(0, answer.msBeforeNext);
    const remaining = Math.max(0, answer.remainingPoints);
    const known = this.callers.get(key);
    // Windows are fixed: answers about one window say it ends at (about) the same moment.
    if (!known || windowEndsAt > known.windowEndsAt + this.sameWindow) {
      this.callers.set(key, { remaining, windowEndsAt });
    } else if (windowEndsAt >= known.windowEndsAt - this.sameWindow) {
      known.remaining = Math.min(known.remaining, remaining);
    }
    // Else an answer about a window already over: nothing to learn.
  }
}
