import { describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/logger.js';
import { OrderFeed, type FeedSubscriber } from './order-feed.js';
import type { OrderQuery, Resolution } from './order-query.js';

/** Fan-out and sharing: one resolution per group per change, bursts merged, routing by order and customer. */

const ORDER = '0190f5c2-0000-7000-8000-000000000001';
const CUSTOMER = '0190f5c2-0000-7000-8000-0000000000c1';
const logger = createLogger('gateway', 'silent');

const queryFor = (userId: string, text = 'q'): OrderQuery => ({
  text,
  variables: {},
  identity: { userId, roles: ['CUSTOMER'] },
  shareKey: `${userId}\n${text}`,
});

class Recorder implements FeedSubscriber {
  readonly got: Array<{ orderId: string; version: number | null }> = [];
  constructor(
    readonly query: OrderQuery,
    readonly orderId: string | null,
    readonly customerId: string | null = null,
  ) {}
  knownVersion(orderId: string) {
    return Math.max(0, ...this.got.filter((g) => g.orderId === orderId).map((g) => g.version ?? 0));
  }
  offer(orderId: string, resolution: Resolution) {
    this.got.push({ orderId, version: resolution.version });
  }
}

/** A resolver whose calls the test completes by hand, reporting `version` as the current one. */
function controlledResolver() {
  const calls: Array<{ query: OrderQuery; finish: () => void }> = [];
  let version = 1;
  return {
    calls,
    setVersion: (v: number) => (version = v),
    resolve: (_orderId: string, query: OrderQuery) =>
      new Promise<Resolution>((resolve) => {
        const at = version;
        calls.push({
          query,
          finish: () =>
            resolve({ order: { version: at }, version: at, status: 'CONFIRMED', errors: [] }),
        });
      }),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('OrderFeed', () => {
  it('resolves once per share key for any number of subscribers, and routes by order and customer', async () => {
    const resolver = controlledResolver();
    const feed = new OrderFeed(resolver.resolve, logger);
    const alike = Array.from({ length: 50 }, () => new Recorder(queryFor(CUSTOMER), ORDER));
    const mine = new Recorder(queryFor(CUSTOMER), null, CUSTOMER);
    const admin = new Recorder(queryFor('admin'), ORDER);
    const elsewhere = new Recorder(queryFor(CUSTOMER), '0190f5c2-0000-7000-8000-000000000009');
    for (const s of [...alike, mine, admin, elsewhere]) feed.add(s);

    resolver.setVersion(2);
    feed.publish({ orderId: ORDER, customerId: CUSTOMER, version: 2 });
    expect(resolver.calls.map((c) => c.query.shareKey).sort()).toEqual(
      [queryFor('admin').shareKey, queryFor(CUSTOMER).shareKey].sort(),
    );
    resolver.calls.forEach((c) => c.finish());
    await tick();
    expect(alike.every((s) => s.got.length === 1 && s.got[0]!.version === 2)).toBe(true);
    expect(mine.got).toEqual([{ orderId: ORDER, version: 2 }]);
    expect(admin.got).toEqual([{ orderId: ORDER, version: 2 }]);
    expect(elsewhere.got).toEqual([]);
  });

  it('merges a burst into one more resolution after the running one', async () => {
    const resolver = controlledResolver();
    const feed = new OrderFeed(resolver.resolve, logger);
    const subscriber = new Recorder(queryFor(CUSTOMER), ORDER);
    feed.add(subscriber);
    for (const version of [2, 3, 4, 5]) {
      resolver.setVersion(version);
      feed.publish({ orderId: ORDER, customerId: CUSTOMER, version });
    }
    expect(resolver.calls).toHaveLength(1);
    resolver.calls[0]!.finish();
    await tick();
    expect(resolver.calls).toHaveLength(2);
    resolver.calls[1]!.finish();
    await tick();
    expect(subscriber.got.map((g) => g.version)).toEqual([2, 5]);
  });

  it('skips resolving a change every subscriber already has', () => {
    const resolver = controlledResolver();
    const feed = new OrderFeed(resolver.resolve, logger);
    const subscriber = new Recorder(queryFor(CUSTOMER), ORDER);
    subscriber.got.push({ orderId: ORDER, version: 3 });
    feed.add(subscriber);
    feed.publish({ orderId: ORDER, customerId: CUSTOMER, version: 3 });
    expect(resolver.calls).toHaveLength(0);
  });

  it('answers refresh only with a resolution that started after it was asked', async () => {
    const resolver = controlledResolver();
    const feed = new OrderFeed(resolver.resolve, logger);
    const early = new Recorder(queryFor(CUSTOMER), ORDER);
    feed.add(early);
    feed.publish({ orderId: ORDER, customerId: CUSTOMER, version: 1 });
    let refreshed = false;
    void feed.refresh(ORDER, queryFor(CUSTOMER)).then(() => (refreshed = true));
    resolver.calls[0]!.finish();
    await tick();
    expect(refreshed).toBe(false);
    expect(resolver.calls).toHaveLength(2);
    resolver.calls[1]!.finish();
    await tick();
    expect(refreshed).toBe(true);
  });

  it('forgets a subscriber once removed', async () => {
    const resolver = controlledResolver();
    const feed = new OrderFeed(resolver.resolve, logger);
    const remove = feed.add(new Recorder(queryFor(CUSTOMER), ORDER));
    expect(feed.subscriberCount).toBe(1);
    remove();
    expect(feed.subscriberCount).toBe(0);
    feed.publish({ orderId: ORDER, customerId: CUSTOMER, version: 2 });
    expect(resolver.calls).toHaveLength(0);
  });

  it('tries a resolution that failed transiently again, so a final state is not lost', async () => {
    let calls = 0;
    const feed = new OrderFeed(
      async () => {
        calls += 1;
        return calls < 3
          ? {
              order: null,
              version: null,
              status: null,
              errors: [{ message: 'down', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }],
            }
          : { order: { version: 5 }, version: 5, status: 'DELIVERED', errors: [] };
      },
      logger,
      [5, 5],
    );
    const subscriber = new Recorder(queryFor(CUSTOMER), ORDER);
    feed.add(subscriber);
    feed.publish({ orderId: ORDER, customerId: CUSTOMER, version: 5 });
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(3);
    expect(subscriber.got.at(-1)).toEqual({ orderId: ORDER, version: 5 });
  });

  it('keeps retrying at its longest delay while a subscriber waits, and stops once nobody does', async () => {
    let calls = 0;
    const failing = async (): Promise<Resolution> => {
      calls += 1;
      return {
        order: null,
        version: null,
        status: null,
        errors: [{ message: 'down', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }],
      };
    };
    const feed = new OrderFeed(failing, logger, [5, 10]);
    const remove = feed.add(new Recorder(queryFor(CUSTOMER), ORDER));
    feed.publish({ orderId: ORDER, customerId: CUSTOMER, version: 5 });
    await new Promise((r) => setTimeout(r, 150));
    // 5 ms, then every 10 ms: well past the two configured delays.
    expect(calls).toBeGreaterThan(5);

    remove();
    await new Promise((r) => setTimeout(r, 30));
    const afterRemoval = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(afterRemoval);
  });

  describe('a cancelled paid order', () => {
    /** Resolutions of a CANCELLED order whose payment shows these statuses in turn (the last one repeats). */
    function cancelledWith(...paymentStatuses: string[]) {
      let calls = 0;
      const resolve = async (): Promise<Resolution> => {
        const paymentStatus = paymentStatuses[Math.min(calls, paymentStatuses.length - 1)]!;
        calls += 1;
        return {
          order: { version: 6, payment: { status: paymentStatus } },
          version: 6,
          status: 'CANCELLED',
          paymentStatus,
          errors: [],
        };
      };
      return { resolve, calls: () => calls };
    }

    class PaymentRecorder extends Recorder {
      readonly payments: Array<string | null | undefined> = [];
      override offer(orderId: string, resolution: Resolution) {
        super.offer(orderId, resolution);
        this.payments.push(resolution.paymentStatus);
      }
    }

    it('is sent once, after its refund, so the final state shows the payment REFUNDED', async () => {
      const resolver = cancelledWith('SUCCEEDED', 'SUCCEEDED', 'REFUNDED');
      const feed = new OrderFeed(resolver.resolve, logger, [5], [5, 5, 5, 5]);
      const subscriber = new PaymentRecorder(queryFor(CUSTOMER), ORDER);
      feed.add(subscriber);
      feed.publish({ orderId: ORDER, customerId: CUSTOMER, version: 6 });
      await new Promise((r) => setTimeout(r, 100));
      expect(resolver.calls()).toBe(3);
      expect(subscriber.got).toEqual([{ orderId: ORDER, version: 6 }]);
      expect(subscriber.payments).toEqual(['REFUNDED']);
    });

    it('is sent as it is once the wait for the refund runs out', async () => {
      const resolver = cancelledWith('SUCCEEDED');
      const feed = new OrderFeed(resolver.resolve, logger, [5], [5, 5]);
      const subscriber = new PaymentRecorder(queryFor(CUSTOMER), ORDER);
      feed.add(subscriber);
      feed.publish({ orderId: ORDER, customerId: CUSTOMER, version: 6 });
      await new Promise((r) => setTimeout(r, 100));
      expect(resolver.calls()).toBe(3);
      expect(subscriber.payments).toEqual(['SUCCEEDED']);

      // A later subscriber of that order gets its state at once: the wait is not repeated.
      const later = new PaymentRecorder(queryFor(CUSTOMER), ORDER);
      feed.add(later);
      await feed.refresh(ORDER, later.query);
      expect(resolver.calls()).toBe(4);
      expect(later.payments).toEqual(['SUCCEEDED']);
    });
  });
});
