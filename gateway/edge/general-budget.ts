import { RateLimiterRes, type RateLimiterRedis } from 'rate-limiter-flexible';
import { BudgetEstimate } from './budget-estimate.js';

/**
 * The general budget every HTTP request spends from, kept in Redis for all
 * gateways (decision 24). A request waits for Redis only when its caller is
 * near the limit or unknown here (budget-estimate.ts). The other requests'
 * counts are gathered per caller and sent together every FLUSH_MS: a burst of
 * a thousand requests from one caller costs Redis a few calls, not a
 * thousand, and no request pays for a Redis write before its own work.
 *
 * A request that waits takes its caller's gathered count along, so Redis
 * holds every request let through whenever it decides a refusal: refusals
 * start exactly where they did when every request was counted on its own.
 */

/** How long a count let through early may wait before Redis has it. */
export const FLUSH_MS = 10;

/** What the owner learns about Redis while spending. */
export interface BudgetOutcomes {
  /** Redis answered: an outage, if there was one, is over. */
  answered(): void;
  /** Redis did not answer: `requests` were served unchecked (fail open, decision 10). */
  unchecked(err: unknown, requests: number, traceId?: string): void;
}

export class GeneralBudget {
  private readonly estimate: BudgetEstimate;
  /** Requests let through early and not yet counted in Redis, per caller. */
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limiter: RateLimiterRedis,
    points: number,
    windowMs: number,
    private readonly outcomes: BudgetOutcomes,
    private readonly flushMs = FLUSH_MS,
  ) {
    this.estimate = new BudgetEstimate(points, windowMs);
  }

  /**
   * Spends one request of `key`'s budget. Resolves with Redis' refusal when
   * the request must be refused, otherwise with null (also when Redis could
   * not be asked: fail open).
   */
  async spend(key: string, traceId: string): Promise<RateLimiterRes | null> {
    if (this.estimate.admitEarly(key)) {
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
      this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
      return null;
    }
    const points = 1 + this.take(key);
    try {
      this.estimate.learn(key, await this.limiter.consume(key, points));
      this.outcomes.answered();
      return null;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        this.outcomes.unchecked(err, points, traceId);
        return null;
      }
      this.estimate.learn(key, err);
      return err;
    }
  }

  /** Sends every gathered count to Redis now (also on shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const [key, points] of this.pending) {
      // Those requests were served: a refusal here is for the ones after them.
      this.limiter.consume(key, points).then(
        (answer) => {
          this.estimate.learn(key, answer);
          this.outcomes.answered();
        },
        (err: unknown) => {
          if (err instanceof RateLimiterRes) this.estimate.learn(key, err);
          else this.outcomes.unchecked(err, points);
        },
      );
    }
    this.pending.clear();
  }

  private take(key: string): number {
    const points = this.pending.get(key) ?? 0;
    this.pending.delete(key);
    return points;
  }
}
