import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { Logger } from '../../platform/logger.js';
import type { GatewayContext } from '../context.js';
import { AdmissionHold, refusalHeaders, refusedBySubgraph } from './admission-hold.js';
import { PlaceOrderGate } from './place-order-gate.js';
import { GeneralBudget } from './general-budget.js';

/**
 * Request budgets per caller, kept in Redis so every gateway instance shares
 * them: per user id when the request carries a valid token, per client IP
 * otherwise. Operations that place an order spend from a second, smaller
 * budget too (each one reserves stock and charges a card). Only HTTP requests
 * count: in-process executions (subscription updates) and WebSocket traffic
 * are not limited here.
 *
 * The general budget is checked without waiting for Redis while the caller
 * is far from it, and those requests are counted in batches
 * (general-budget.ts); placeOrder's always waits for Redis.
 *
 * Redis down → fail open (docs/decisions/0010-rate-limits-fail-open.md): the
 * request is served, a warning is logged (once per outage) and
 * `rate_limiter_unavailable_total` counts it.
 *
 * A subgraph can refuse too (the order service's admission control,
 * docs/decisions/0014): its RATE_LIMITED comes back as an execution error,
 * which Apollo would send with HTTP 200. Clients get it the way they get the
 * limiter's own (HTTP 429, Retry-After), and placeOrder is briefly refused
 * here without asking the order service again (admission-hold.ts).
 */
export interface RateLimits {
  points: number;
  placeOrderPoints: number;
  windowMs: number;
  /** placeOrder operations forwarded at once, and how long the next may wait (place-order-gate.ts). */
  placeOrderConcurrency: number;
  placeOrderQueueWaitMs: number;
}

const unavailable = new Counter({
  name: 'rate_limiter_unavailable_total',
  help: 'Requests served without a rate-limit check because Redis did not answer (fail open).',
});
/** Every refusal with RATE_LIMITED, whoever made it, by budget. */
export const limited = new Counter({
  name: 'rate_limited_total',
  help: 'Requests refused with RATE_LIMITED, by budget.',
  labelNames: ['budget'] as const,
});

/** True when the operation's root selection (fragments included) calls `placeOrder`. */
export function placesOrder(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, { selectionSet: OperationDefinitionNode['selectionSet'] }>,
): boolean {
  if (operation.operation !== 'mutation') return false;
  const visit = (set: OperationDefinitionNode['selectionSet'], seen: Set<string>): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === 'placeOrder';
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet, seen);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      const fragment = fragments.get(s.name.value);
      return fragment ? visit(fragment.selectionSet, seen) : false;
    });
  return visit(operation.selectionSet, new Set());
}

function rateLimited(budget: string, res: RateLimiterRes): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  limited.inc({ budget });
  return new GraphQLError(`Too many requests; retry in ${retryAfter} s`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    },
  });
}

export function rateLimitPlugin(
  redis: Redis,
  limits: RateLimits,
  logger: Logger,
): ApolloServerPlugin<GatewayContext> {
  const duration = Math.max(1, Math.round(limits.windowMs / 1000));
  const common = {
    storeClient: redis,
    duration,
    // Fail fast while Redis reconnects instead of waiting on a command timeout.
    rejectIfRedisNotReady: true,
  };
  const all = new RateLimiterRedis({ ...common, keyPrefix: 'rl:all', points: limits.points });
  const orders = new RateLimiterRedis({
    ...common,
    keyPrefix: 'rl:placeOrder',
    points: limits.placeOrderPoints,
  });
  let warned = false;
  const hold = new AdmissionHold();
  const gate = new PlaceOrderGate(limits.placeOrderConcurrency, limits.placeOrderQueueWaitMs);

  /** Fail open: the request is served unchecked (decision 10), said once per outage. */
  function unchecked(err: unknown, traceId?: string, requests = 1): void {
    unavailable.inc(requests);
    if (!warned) {
      logger.warn(
        { err: (err as Error).message, traceId },
        'rate limiter unavailable; serving unlimited',
      );
      warned = true;
    }
  }

  async function spend(
    limiter: RateLimiterRedis,
    budget: string,
    key: string,
    traceId: string,
  ): Promise<void> {
    try {
      await limiter.consume(key);
      warned = false;
    } catch (err) {
      if (err instanceof RateLimiterRes) throw rateLimited(budget, err);
      unchecked(err, traceId);
    }
  }

  const general = new GeneralBudget(all, limits.points, limits.windowMs, {
    answered: () => {
      warned = false;
    },
    unchecked: (err, requests, traceId) => unchecked(err, traceId, requests),
  });

  return {
    async serverWillStart() {
      return {
        // What was let through in the last moments still counts for the other gateways.
        async serverWillStop() {
          general.flush();
        },
      };
    },
    async requestDidStart({ request, contextValue }) {
      // executeOperation (subscription updates) has no HTTP request: not limited.
      if (!request.http) return;
      const key = contextValue.identity
        ? `user:${contextValue.identity.userId}`
        : `ip:${contextValue.clientIp ?? 'unknown'}`;
      let placing = false;
      let holdsSlot = false;
      return {
        async didResolveOperation({ operation, document }) {
          const fragments = new Map(
            document.definitions.flatMap((d) =>
              d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
            ),
          );
          placing = !!operation && placesOrder(operation, fragments);
          const held = placing ? hold.refusal() : null;
          if (held) {
            limited.inc({ budget: held.service });
            throw held.error;
          }
          const refusal = await general.spend(key, contextValue.traceId);
          if (refusal) throw rateLimited('all', refusal);
          if (!placing) return;
          await spend(orders, 'placeOrder', key, contextValue.traceId);
          try {
            await gate.enter();
          } catch (err) {
            limited.inc({ budget: 'placeOrder-busy' });
            throw err;
          }
          holdsSlot = true;
        },
        async willSendResponse({ response }) {
          if (holdsSlot) {
            holdsSlot = false;
            gate.leave();
          }
          // The limiter's own refusals already carry their status (request errors).
          if (response.body.kind !== 'single' || response.http.status === 429) return;
          const refusal = refusedBySubgraph(response.body.singleResult.errors);
          if (!refusal) return;
          limited.inc({ budget: refusal.service });
          if (placing) hold.learn(refusal);
          const { status, headers } = refusalHeaders(refusal.retryAfter);
          response.http.status = status;
          for (const [name, value] of headers) response.http.headers.set(name, value);
        },
      };
    },
  };
}
