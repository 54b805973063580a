import type { Logger } from '../../platform/logger.js';
import { Lru } from '../../platform/lru.js';
import type { OrderQuery, Resolution } from './order-query.js';

/**
 * In-process fan-out of order changes to subscribers. Subscribers are indexed
 * by the order they follow (`orderUpdated`) and by the customer whose orders
 * they follow (`myOrderUpdates`). For each change, subscribers are grouped by
 * their query's share key (selection, variables, identity) and each group is
 * resolved once; a resolution still running when another change arrives is
 * followed by exactly one more (a burst merges into its newest version).
 * Pushing into a subscriber never waits for its client.
 */

/** What the feed needs of a subscriber (implemented by OrderStream). */
export interface FeedSubscriber {
  readonly orderId: string | null;
  readonly customerId: string | null;
  readonly query: OrderQuery;
  knownVersion(orderId: string): number;
  offer(orderId: string, resolution: Resolution): void;
}

/** The part of an order lifecycle event the feed routes by. */
export interface OrderChange {
  orderId: string;
  customerId: string;
  version: number;
}

export type ResolveOrder = (orderId: string, query: OrderQuery) => Promise<Resolution>;

const NIL_ORDER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * A resolution that failed for a transient reason (a subgraph unavailable, an
 * internal error) is tried again after these delays, then every last delay,
 * for as long as subscribers still lack the state: an order's last event
 * (DELIVERED, CANCELLED) has no later event to bring it, and its subscribers
 * would otherwise never see it. Under overload the order subgraph can refuse
 * for longer than any fixed number of tries (its breaker open), so there is
 * no last try: the subscribers leaving is what ends it.
 */
export const RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000];
const TRANSIENT_CODES = new Set(['SUBGRAPH_UNAVAILABLE', 'INTERNAL_SERVER_ERROR']);

/**
 * A paid order that is cancelled is refunded a moment later by the payment
 * service, without a new order version: its final state (CANCELLED, payment
 * REFUNDED) is read again after these delays while the payment still shows
 * SUCCEEDED, then sent as it is (the stream sends each version once).
 */
export const REFUND_WAIT_DELAYS_MS = [100, 200, 400, 800, 1_600, 3_200, 3_200];

function refundPending(resolution: Resolution): boolean {
  return resolution.status === 'CANCELLED' && resolution.paymentStatus === 'SUCCEEDED';
}

function failedTransiently(resolution: Resolution): boolean {
  return (
    resolution.order === null &&
    resolution.errors.some((e) => TRANSIENT_CODES.has(String(e.extensions?.code)))
  );
}

interface Run {
  orderId: string;
  customerId: string | null;
  query: OrderQuery;
  /** Callers that need a resolution that starts after they asked. */
  queued: Array<() => void> | null;
}

export class OrderFeed {
  private readonly byOrder = new Map<string, Set<FeedSubscriber>>();
  private readonly byCustomer = new Map<string, Set<FeedSubscriber>>();
  /** Resolutions in flight, by order and share key. */
  private readonly runs = new Map<string, Run>();
  /** Query texts planned (or being planned), by text. */
  private readonly warmed = new Map<string, Promise<void>>();
  /** Failed attempts in a row, by order and share key. */
  private readonly failures = new Map<string, number>();
  /** Cancelled paid orders whose refund did not come within the wait (bounded). */
  private readonly refundGivenUp = new Lru<string, true>(1_000);

  constructor(
    private readonly resolve: ResolveOrder,
    private readonly logger: Logger,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
    private readonly refundWaitDelaysMs: readonly number[] = REFUND_WAIT_DELAYS_MS,
  ) {}

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.byOrder.values()) count += set.size;
    for (const set of this.byCustomer.values()) count += set.size;
    return count;
  }

  /** Registers a subscriber; returns the function that removes it. */
  add(subscriber: FeedSubscriber): () => void {
    const index = subscriber.orderId ? this.byOrder : this.byCustomer;
    const key = subscriber.orderId ?? subscriber.customerId;
    if (!key) throw new Error('a subscriber follows an order or a customer');
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && index.get(key) === set) index.delete(key);
    };
  }

  /** An order changed: resolve it once per group of subscribers that lack this version. */
  publish(change: OrderChange): void {
    const groups = new Map<string, OrderQuery>();
    for (const subscriber of this.candidates(change.orderId, change.customerId)) {
      if (subscriber.knownVersion(change.orderId) < change.version) {
        groups.set(subscriber.query.shareKey, subscriber.query);
      }
    }
    for (const query of groups.values()) {
      void this.schedule(change.orderId, change.customerId, query);
    }
  }

  /**
   * Resolves the order for `query` (shared with others of the same key) and
   * delivers it; resolves once a resolution that started after this call has
   * been delivered, so a new subscriber gets the current state.
   */
  refresh(orderId: string, query: OrderQuery): Promise<void> {
    return this.schedule(orderId, null, query);
  }

  /**
   * Runs a query once for an order id that names nothing, so the gateway has
   * parsed, validated and planned it before the first real event: a new
   * `myOrderUpdates` subscriber then sees an order's first version instead of
   * a cold start letting the saga run past it.
   */
  warm(query: OrderQuery): Promise<void> {
    // Plans are cached by query text: once per text is enough (bounded, forgotten wholesale).
    let warming = this.warmed.get(query.text);
    if (warming) return warming;
    if (this.warmed.size >= 1_000) this.warmed.clear();
    warming = this.resolve(NIL_ORDER_ID, query).then(
      () => {},
      (err: unknown) => this.logger.warn({ err }, 'could not prepare a subscription query'),
    );
    this.warmed.set(query.text, warming);
    return warming;
  }

  private *candidates(orderId: string, customerId: string | null): Iterable<FeedSubscriber> {
    const following = this.byOrder.get(orderId);
    if (following) yield* following;
    const customers = customerId ? this.byCustomer.get(customerId) : undefined;
    if (customers) yield* customers;
  }

  private schedule(orderId: string, customerId: string | null, query: OrderQuery): Promise<void> {
    const key = `${orderId}\n${query.shareKey}`;
    const running = this.runs.get(key);
    if (running) {
      running.customerId ??= customerId;
      return new Promise((resolve) => (running.queued ??= []).push(resolve));
    }
    const run: Run = { orderId, customerId, query, queued: null };
    this.runs.set(key, run);
    return this.execute(key, run);
  }

  private async execute(key: string, run: Run): Promise<void> {
    let waiting: Array<() => void> = [];
    for (;;) {
      let resolution = await this.attempt(run);
      // Waited for once per order: a refund that never came is not waited for again.
      const delays = this.refundGivenUp.get(run.orderId) ? [] : this.refundWaitDelaysMs;
      for (const delay of delays) {
        if (!refundPending(resolution)) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
        resolution = await this.attempt(run);
      }
      if (refundPending(resolution) && !this.refundGivenUp.get(run.orderId)) {
        this.refundGivenUp.set(run.orderId, true);
        this.logger.warn(
          { orderId: run.orderId },
          'cancelled order not refunded yet; sent as it is',
        );
      }
      this.deliver(run, resolution);
      this.retryIfFailed(key, run, resolution);
      for (const done of waiting) done();
      if (!run.queued) break;
      waiting = run.queued;
      run.queued = null;
    }
    this.runs.delete(key);
  }

  private async attempt(run: Run): Promise<Resolution> {
    try {
      return await this.resolve(run.orderId, run.query);
    } catch (err) {
      this.logger.error({ err, orderId: run.orderId }, 'order subscription resolution failed');
      return {
        order: null,
        version: null,
        status: null,
        errors: [
          { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        ],
      };
    }
  }

  private retryIfFailed(key: string, run: Run, resolution: Resolution): void {
    if (!failedTransiently(resolution)) {
      this.failures.delete(key);
      return;
    }
    const attempt = this.failures.get(key) ?? 0;
    const last = this.retryDelaysMs.length - 1;
    if (attempt === last + 1) {
      // Said once per streak: the retries go on at the longest delay.
      this.logger.warn({ orderId: run.orderId }, 'order subscription resolution keeps failing');
    }
    const delay = this.retryDelaysMs[Math.min(attempt, last)];
    if (delay === undefined) return;
    this.failures.set(key, attempt + 1);
    setTimeout(() => {
      const waiting = [...this.candidates(run.orderId, run.customerId)].some(
        (s) => s.query.shareKey === run.query.shareKey,
      );
      if (waiting) void this.schedule(run.orderId, run.customerId, run.query);
      else this.failures.delete(key);
    }, delay).unref();
  }

  private deliver(run: Run, resolution: Resolution): void {
    for (const subscriber of this.candidates(run.orderId, run.customerId)) {
      if (subscriber.query.shareKey === run.query.shareKey) {
        subscriber.offer(run.orderId, resolution);
      }
    }
  }
}
