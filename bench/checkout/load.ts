import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { PlaceOrderDocument } from '../../client/__generated__/graphql.js';
import type { GatewayClient } from './client.js';
import type { BenchCustomer, Catalogue } from './fixtures.js';
import { now, type OutcomeTracker } from './outcomes.js';

/**
 * One phase of open-loop load: placeOrder at a fixed arrival rate, each
 * request sent on its schedule whether or not earlier ones have answered (a
 * closed loop would wait for them and hide the queueing we want to see).
 * Records per order when it was due, sent and answered, and samples once a
 * second how many were sent, answered and finished (a final state seen on
 * the subscription), until every accepted order finished or the drain
 * timeout passed.
 */

export interface SentOrder {
  scheduledAt: number;
  sentAt: number;
  answeredAt: number | null;
  orderId: string | null;
  /** Why the request did not place an order (HTTP status, GraphQL error, user error). */
  error: string | null;
  /** `error` without its particulars, for counting: e.g. `HTTP 503 SUBGRAPH_UNAVAILABLE`. */
  errorKind: string | null;
  /** Refused with RATE_LIMITED (admission control): nothing placed, a retry later may be. */
  refused: boolean;
}

export interface Sample {
  /** Ms since the phase started. */
  t: number;
  sent: number;
  answered: number;
  finished: number;
}

export interface PhaseRun {
  rate: number;
  seconds: number;
  /** Epoch ms of the first scheduled send; the schedule ends at start + seconds. */
  start: number;
  orders: SentOrder[];
  samples: Sample[];
  /** Epoch ms when the last accepted order finished; null when the drain timed out. */
  drainedAt: number | null;
}

export interface PhaseOptions {
  rate: number;
  seconds: number;
  drainTimeoutMs: number;
  client: GatewayClient;
  customers: readonly BenchCustomer[];
  catalogue: Catalogue;
  tracker: OutcomeTracker;
  /** Called after each sample (progress lines). */
  onSample?: (sample: Sample) => void;
  /**
   * Retry a RATE_LIMITED placeOrder after its retryAfter, with the same
   * idempotencyKey, as a client should (the warm-up needs every order; the
   * phases measure refusals as they come).
   */
  retryRefused?: boolean;
}

const address = { line1: '1 Bench Street', city: 'Berlin', postalCode: '10115', country: 'DE' };

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const quantity = () => 1 + Math.floor(Math.random() * 3);

/**
 * 90 % of orders buy one well-stocked product; 5 % add a limited product to
 * it (all lines are reserved or none), 5 % buy a limited product alone. Once
 * a limited product runs out, its orders are cancelled OUT_OF_STOCK.
 */
export function orderLines(catalogue: Catalogue): { productId: string; quantity: number }[] {
  const roll = Math.random();
  if (roll < 0.9 || catalogue.limited.length === 0) {
    return [{ productId: pick(catalogue.plentiful).id, quantity: quantity() }];
  }
  const limited = {
    productId: pick(catalogue.limited).id,
    quantity: 1 + Math.floor(Math.random() * 2),
  };
  return roll < 0.95
    ? [{ productId: pick(catalogue.plentiful).id, quantity: quantity() }, limited]
    : [limited];
}

const MAX_RETRIES = 10;

/** The retryAfter hint of a RATE_LIMITED answer (seconds), null for any other. */
function refusal(errors: readonly GraphQLFormattedError[] | undefined): number | null {
  const refused = errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
  if (!refused) return null;
  const hint = Number(refused.extensions?.retryAfter);
  return Number.isFinite(hint) && hint > 0 ? hint : 1;
}

export async function runPhase(options: PhaseOptions): Promise<PhaseRun> {
  const { rate, seconds, client, customers, catalogue, tracker } = options;
  const total = Math.round(rate * seconds);
  const orders: SentOrder[] = [];
  const mine = new Set<string>();
  let answered = 0;
  let finished = 0;
  let accepted = 0;

  // An outcome can arrive before placeOrder's answer does: count it on whichever comes second.
  const stopListening = tracker.onOutcome((orderId) => {
    if (mine.has(orderId)) finished += 1;
  });

  async function send(scheduledAt: number): Promise<void> {
    const order: SentOrder = {
      scheduledAt,
      sentAt: now(),
      answeredAt: null,
      orderId: null,
      error: null,
      errorKind: null,
      refused: false,
    };
    orders.push(order);
    const customer = customers[orders.length % customers.length]!;
    const input = {
      idempotencyKey: randomUUID(),
      items: orderLines(catalogue),
      shippingAddress: address,
      paymentMethod: 'pm_card_visa',
    };
    try {
      let answer = await client.request(PlaceOrderDocument, { input }, customer.token);
      for (let attempt = 1; options.retryRefused && attempt <= MAX_RETRIES; attempt++) {
        const retryAfter = refusal(answer.errors);
        if (retryAfter === null) break;
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
        answer = await client.request(PlaceOrderDocument, { input }, customer.token);
      }
      const { status, data, errors } = answer;
      const placed = data?.placeOrder;
      order.refused = refusal(errors) !== null;
      if (placed?.order && !errors?.length) {
        order.orderId = placed.order.id;
        mine.add(order.orderId);
        accepted += 1;
        if (tracker.outcomes.has(order.orderId)) finished += 1;
      } else {
        order.error = `${status} ${JSON.stringify(errors ?? placed?.userErrors ?? data)}`.slice(
          0,
          300,
        );
        const codes = errors?.length
          ? errors.map((e) => e.extensions?.code ?? 'no code')
          : (placed?.userErrors?.map((e) => `userErrors ${e.code}`) ?? ['no order']);
        order.errorKind = `HTTP ${status} ${[...new Set(codes)].join(', ')}`;
      }
    } catch (err) {
      order.error = String((err as Error).message ?? err).slice(0, 300);
      // fetch's own message is only "fetch failed": the cause says what happened.
      const { cause, code } = err as { cause?: { code?: string; message?: string }; code?: string };
      order.errorKind = `no answer: ${cause?.code ?? code ?? cause?.message ?? String(err)}`.slice(
        0,
        80,
      );
      if (cause?.message) order.error = `${order.error}: ${cause.message}`.slice(0, 300);
    } finally {
      order.answeredAt = now();
      answered += 1;
    }
  }

  const start = now() + 20;
  const samples: Sample[] = [];
  const sampler = setInterval(() => {
    const sample = { t: now() - start, sent: orders.length, answered, finished };
    samples.push(sample);
    options.onSample?.(sample);
  }, 1_000);

  // The schedule: order i is due at start + i / rate; whatever is due goes out now.
  let next = 0;
  while (next < total) {
    const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
    while (next < due) void send(start + (next++ * 1000) / rate);
    const wait = start + (next * 1000) / rate - now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }

  const deadline = now() + options.drainTimeoutMs;
  while ((answered < total || finished < accepted) && now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const drainedAt = answered === total && finished >= accepted ? now() : null;
  clearInterval(sampler);
  stopListening();
  return { rate, seconds, start, orders, samples, drainedAt };
}
