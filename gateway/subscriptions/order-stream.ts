import { GraphQLError, type ExecutionResult } from 'graphql';
import { errorsFor, type OrderQuery, type Resolution } from './order-query.js';

/**
 * One client subscription: an async iterator the WebSocket transport pulls from. The feed
 * pushes resolutions in without ever waiting for the client; the stream keeps
 * only strictly newer versions per order, holds at most MAX_BUFFERED results
 * (on overflow it keeps the newest state of each order: a merged burst, as the
 * contract allows), completes after a final state when asked to, and ends with
 * an UNAUTHENTICATED error when the subscriber's token expires.
 */

export const MAX_BUFFERED = 16;
/**
 * After merging, at most this many orders' states wait for a slow
 * `myOrderUpdates` client (each a reference to a shared result). Beyond it
 * the stream ends with RATE_LIMITED: the client resubscribes and reads its
 * orders' current states with a query.
 */
export const MAX_ORDERS_BUFFERED = 256;
const FINAL_STATUSES = new Set(['DELIVERED', 'CANCELLED']);

/** Ends the stream with an error (the transport sends it as an `error` message). */
const CODES_THAT_END = new Set(['FORBIDDEN', 'UNAUTHENTICATED']);

interface Buffered {
  /** Null for an error result not tied to a version. */
  orderId: string | null;
  result: ExecutionResult;
  final: boolean;
}

export interface OrderStreamOptions {
  /** Set for `orderUpdated`: the one order followed; null for `myOrderUpdates`. */
  orderId: string | null;
  /** Set for `myOrderUpdates`: whose orders are followed. */
  customerId: string | null;
  query: OrderQuery;
  /** The subscription field's response key (its alias or name): where results are rooted. */
  responseKey: string;
  /** Versions up to this one were already seen by the client. */
  afterVersion: number | null;
  /** `orderUpdated` completes after DELIVERED or CANCELLED; `myOrderUpdates` never does. */
  completeOnFinal: boolean;
  /** Epoch ms when the subscriber's token expires. */
  expiresAt: number;
  /** Called exactly once when the stream ends for any reason (release registrations). */
  onClose: () => void;
}

/** Results per resolution and response key (forgotten with the resolution). */
const sharedResults = new WeakMap<Resolution, Map<string, ExecutionResult>>();

type Waiter = {
  resolve: (value: IteratorResult<ExecutionResult>) => void;
  reject: (err: unknown) => void;
};

export class OrderStream implements AsyncGenerator<ExecutionResult, void, unknown> {
  readonly orderId: string | null;
  readonly customerId: string | null;
  readonly query: OrderQuery;
  /** False while the current state is being established (failures then refuse the subscription). */
  private live = false;
  private initialFailure: GraphQLError | null = null;
  /** `orderUpdated`: the last version of its one order the client has. */
  private version = 0;
  /** `myOrderUpdates`: the same per order (created on first use: most streams follow one order). */
  private versions: Map<string, number> | null = null;
  private buffer: Buffered[] = [];
  private waiter: Waiter | null = null;
  private failure: GraphQLError | null = null;
  private finished = false;
  private closed = false;
  /** A transient failure was told to the client and no state has followed it yet. */
  private failing = false;
  private readonly expiry: NodeJS.Timeout;

  constructor(private readonly options: OrderStreamOptions) {
    this.orderId = options.orderId;
    this.customerId = options.customerId;
    this.query = options.query;
    if (options.orderId && options.afterVersion !== null) {
      this.version = options.afterVersion;
    }
    this.expiry = setTimeout(
      () =>
        this.fail(
          new GraphQLError('Access token has expired', {
            extensions: { code: 'UNAUTHENTICATED' },
          }),
        ),
      Math.max(0, Math.min(options.expiresAt - Date.now(), 2 ** 31 - 1)),
    );
    this.expiry.unref();
  }

  /** The last version of that order the client has (or is about to have). */
  knownVersion(orderId: string): number {
    if (this.orderId) return orderId === this.orderId ? this.version : 0;
    return this.versions?.get(orderId) ?? 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A resolution of `orderId` for this stream's query; called by the feed, never waits. */
  offer(orderId: string, resolution: Resolution): void {
    if (this.closed || this.finished) return;
    if (!resolution.order || resolution.version === null) {
      const error = this.refusal(resolution);
      if (!this.live) {
        this.initialFailure = error;
        return;
      }
      if (CODES_THAT_END.has(String(error.extensions.code))) return this.fail(error);
      // A transient failure (a subgraph down): tell the client once, not at every
      // retry of the feed; the state follows when a retry or the next event succeeds.
      if (this.failing) return;
      this.failing = true;
      this.push({
        orderId: null,
        final: false,
        result: { data: null, errors: errorsFor(resolution.errors, this.options.responseKey) },
      });
      return;
    }
    if (!this.live) this.initialFailure = null;
    this.failing = false;
    if (resolution.version <= this.knownVersion(orderId)) return;
    if (this.orderId) this.version = resolution.version;
    else (this.versions ??= new Map()).set(orderId, resolution.version);
    this.push({
      orderId,
      result: this.resultOf(resolution),
      final: this.options.completeOnFinal && FINAL_STATUSES.has(resolution.status ?? ''),
    });
  }

  /**
   * After the current state was resolved: either the error that refuses the
   * subscription (FORBIDDEN, an unknown order…) or null, and the stream is live.
   */
  goLive(): GraphQLError | null {
    this.live = true;
    const failure = this.initialFailure;
    if (failure) this.close();
    return failure;
  }

  /** Whether a final state is already waiting or delivered (nothing more will come). */
  get isFinished(): boolean {
    return this.finished;
  }

  private resultOf(resolution: Resolution): ExecutionResult {
    // One result object per resolution and response key, shared by every subscriber.
    let byKey = sharedResults.get(resolution);
    if (!byKey) sharedResults.set(resolution, (byKey = new Map()));
    const key = this.options.responseKey;
    let result = byKey.get(key);
    if (!result) {
      result = { data: { [key]: resolution.order } };
      if (resolution.errors.length) result.errors = errorsFor(resolution.errors, key);
      byKey.set(key, result);
    }
    return result;
  }

  private refusal(resolution: Resolution): GraphQLError {
    const [first] = errorsFor(resolution.errors, this.options.responseKey);
    return (
      first ??
      new GraphQLError('No order with this id', {
        path: [this.options.responseKey],
        extensions: { code: 'BAD_USER_INPUT' },
      })
    );
  }

  private push(item: Buffered): void {
    if (item.final) this.finished = true;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter.resolve({ value: item.result, done: false });
      if (item.final) this.close();
      return;
    }
    this.buffer.push(item);
    if (this.buffer.length > MAX_BUFFERED) this.compact();
  }

  /** A slow client: keep only the newest state of each order (and the newest error). */
  private compact(): void {
    const newest = new Map<string | null, Buffered>();
    for (const item of this.buffer) {
      newest.delete(item.orderId);
      newest.set(item.orderId, item);
    }
    this.buffer = [...newest.values()];
    if (this.buffer.length > MAX_ORDERS_BUFFERED) {
      // Only `myOrderUpdates` with more orders changing than it can take gets here.
      this.fail(
        new GraphQLError('Subscriber too slow: resubscribe', {
          extensions: { code: 'RATE_LIMITED' },
        }),
      );
    }
  }

  private fail(error: GraphQLError): void {
    if (this.closed) return;
    this.buffer = [];
    const waiter = this.waiter;
    this.waiter = null;
    this.close();
    // Delivered once: to the pull waiting now, or to the next one.
    if (waiter) waiter.reject(error);
    else this.failure = error;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiry);
    this.options.onClose();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const item = this.buffer.shift();
    if (item) {
      if (item.final) this.close();
      return Promise.resolve({ value: item.result, done: false });
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The client completed, disconnected, or the server is going away. */
  return(): Promise<IteratorResult<ExecutionResult>> {
    this.buffer = [];
    this.failure = null;
    const waiter = this.waiter;
    this.waiter = null;
    this.close();
    waiter?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<ExecutionResult>> {
    void this.return();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
