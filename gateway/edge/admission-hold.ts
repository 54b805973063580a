import { HeaderMap } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * What the gateway does with a subgraph's RATE_LIMITED (the order service's
 * admission control, docs/decisions/0014): it reaches the client with the
 * rate limiter's HTTP shape (429, Retry-After), and for a short hold the
 * gateway refuses further placeOrder operations itself, before any Redis
 * call, query plan or subgraph fetch.
 *
 * The order service decides; the hold only saves the cost of asking it again
 * while it is known to refuse. Under overload that cost is most of the work:
 * on a saturated 2-core machine, refusals forwarded to the order service took
 * seconds to come back and slowed the admitted orders down with them. The
 * hold is much shorter than a typical retryAfter, so the first placeOrder
 * after it is forwarded and finds out whether the service takes orders again.
 */

/** Long enough to turn a flood into a trickle of forwarded calls, short enough to notice reopening. */
export const HOLD_MS = 500;

export interface SubgraphRefusal {
  retryAfter: number;
  /** The subgraph that refused (`serviceName` in the gateway's error). */
  service: string;
}

/** The first RATE_LIMITED among a response's errors: its retry hint (≥ 1 s) and who sent it. */
export function refusedBySubgraph(
  errors: readonly GraphQLFormattedError[] | undefined,
): SubgraphRefusal | null {
  const refusal = errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
  if (!refusal) return null;
  const hint = Number(refusal.extensions?.retryAfter);
  const retryAfter = Number.isFinite(hint) && hint >= 1 ? Math.ceil(hint) : 1;
  const service = refusal.extensions?.serviceName;
  return { retryAfter, service: typeof service === 'string' ? service : 'subgraph' };
}

export function refusalHeaders(retryAfter: number) {
  return { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) };
}

/** placeOrder refused at the gateway: the order service's words, the rate limiter's HTTP shape. */
export function placeOrderRefusal(retryAfter: number): GraphQLError {
  return new GraphQLError(
    `Too many orders are being processed; retry in ${retryAfter} s with the same idempotencyKey`,
    { extensions: { code: 'RATE_LIMITED', retryAfter, http: refusalHeaders(retryAfter) } },
  );
}

export class AdmissionHold {
  private until = 0;
  private last: SubgraphRefusal = { retryAfter: 1, service: 'subgraph' };

  constructor(
    private readonly holdMs = HOLD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A placeOrder was refused by a subgraph: refuse the next ones here for a moment. */
  learn(refusal: SubgraphRefusal): void {
    this.last = refusal;
    this.until = this.now() + Math.min(this.holdMs, refusal.retryAfter * 1000);
  }

  /** The error to answer a placeOrder with while the hold lasts; null when it may be forwarded. */
  refusal(): { error: GraphQLError; service: string } | null {
    if (this.now() >= this.until) return null;
    const { retryAfter, service } = this.last;
    return { service, error: placeOrderRefusal(retryAfter) };
  }
}
