import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../platform/ids.js';
import type { GraphQLResult } from '../../test/support/subgraph-harness.js';
import {
  customer,
  orderInput,
  placeOrder,
  sagaBehind,
  PLACE_ORDER,
  seedProduct,
  startOrderService,
  type PlaceOrderResult,
  type TestOrderService,
} from './test-support.js';

/**
 * placeOrder's admission control on a real order service (decision 14), with
 * thresholds low enough for a test to cross: the saga signal comes from real
 * events handled by the service's consumer, the in-flight one from real
 * concurrent requests.
 */

let behind: TestOrderService;
let busy: TestOrderService;

beforeAll(async () => {
  [behind, busy] = await Promise.all([
    startOrderService('orderadmit', 4436, {
      ORDER_ADMISSION_SHED_DELAY: '1s',
      ORDER_ADMISSION_RESUME_DELAY: '300ms',
    }),
    startOrderService('orderbusy', 4437, {
      ORDER_ADMISSION_MAX_IN_FLIGHT: '1',
      ORDER_PLACE_CONCURRENCY: '1',
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([behind?.stop(), busy?.stop()]);
});

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function counts(service: TestOrderService) {
  const [row] = await service.sql<{ orders: number; lines: number; outbox: number }>(
    `SELECT (SELECT count(*)::int FROM orders) AS orders,
            (SELECT count(*)::int FROM order_lines) AS lines,
            (SELECT count(*)::int FROM outbox) AS outbox`,
  );
  return row!;
}

const isRefusal = (res: GraphQLResult<PlaceOrderResult>) =>
  res.errors?.[0]?.extensions?.code === 'RATE_LIMITED';

describe('placeOrder admission while the saga is behind', () => {
  it('never counts catalogue events: a new service reading old product history still takes orders', async () => {
    const productId = uuidv7();
    await behind.publish(
      'product.created',
      productId,
      1,
      {
        productId,
        sku: `SKU-${productId.slice(-8)}`,
        name: 'Old product',
        category: 'test',
        price: { amount: 700, currency: 'EUR' },
        active: true,
      },
      new Date(Date.now() - 86_400_000),
    );
    // placeOrder waits briefly for a product the projection does not know yet (decision 6).
    const order = await eventually(
      async () =>
        behind
          .call<PlaceOrderResult>(PLACE_ORDER, { input: orderInput([{ productId }]) }, customer())
          .then((res) => {
            expect(isRefusal(res)).toBe(false);
            return res.data?.placeOrder.order ?? null;
          }),
      (placed) => placed !== null,
    );
    expect(order?.total).toEqual({ amount: 700, currency: 'EUR' });
  });

  it('refuses new orders, changing nothing, and admits the same request once the saga caught up', async () => {
    const product = await seedProduct(behind, { price: 500 });
    const earlier = await placeOrder(behind, customer(), orderInput([{ productId: product }]));

    // Stock reserved 5 s ago, handled only now: the saga is 5 s behind.
    await sagaBehind(behind, earlier.id, 5_000);

    const me = customer();
    const input = orderInput([{ productId: product, quantity: 2 }]);
    const before = await counts(behind);
    const refused = await behind.call<PlaceOrderResult>(PLACE_ORDER, { input }, me);
    expect(refused.status).toBe(200); // the gateway's breaker must not count it as a failure
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors).toHaveLength(1);
    // About the saga's delay (5 s and the moments since) as the hint.
    const { message, extensions } = refused.errors![0]!;
    expect(extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(extensions!.retryAfter).toBeGreaterThanOrEqual(5);
    expect(extensions!.retryAfter).toBeLessThanOrEqual(7);
    expect(message).toBe(
      `Too many orders are being processed; retry in ${String(extensions!.retryAfter)} s with the same idempotencyKey`,
    );
    expect(await counts(behind)).toEqual(before);

    // A fresh event does not reopen at once (hysteresis); the saga catching up does.
    await behind.publish('payment.succeeded', uuidv7(), 1, {
      orderId: earlier.id,
      paymentId: uuidv7(),
      amount: { amount: 500, currency: 'EUR' },
    });
    let refusals = 0;
    const admitted = await eventually(
      async () => {
        const res = await behind.call<PlaceOrderResult>(PLACE_ORDER, { input }, me);
        if (isRefusal(res)) refusals += 1;
        return res;
      },
      (res) => !isRefusal(res),
      10_000,
    );
    expect(refusals).toBeGreaterThan(0);
    const order = admitted.data?.placeOrder.order;
    expect(order).toMatchObject({ status: 'PENDING', total: { amount: 1000, currency: 'EUR' } });
    // The retry with the same key is the same order, once.
    const again = await placeOrder(behind, me, input);
    expect(again.id).toBe(order!.id);
    const rows = await behind.sql<{ id: string }>('SELECT id FROM orders WHERE customer_id = $1', [
      me.userId,
    ]);
    expect(rows).toEqual([{ id: order!.id }]);
  });
});

describe('placeOrder admission with too many placements in progress', () => {
  it('refuses the excess at once with a 1 s hint, writes nothing for it, and admits its retries', async () => {
    const product = await seedProduct(busy, { price: 300 });
    const requests = Array.from({ length: 8 }, () => ({
      me: customer(),
      input: orderInput([{ productId: product }], { idempotencyKey: randomUUID() }),
    }));
    const before = await counts(busy);
    const answers = await Promise.all(
      requests.map(({ me, input }) => busy.call<PlaceOrderResult>(PLACE_ORDER, { input }, me)),
    );
    const refused = answers.filter(isRefusal);
    const placed = answers.filter((res) => res.data?.placeOrder.order);
    expect(refused.length + placed.length).toBe(requests.length);
    expect(refused.length).toBeGreaterThan(0);
    expect(placed.length).toBeGreaterThan(0);
    for (const res of refused) {
      expect(res.errors![0]!.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 1 });
    }
    const after = await counts(busy);
    // One order, one line and one order.placed per admitted order; nothing for the refused.
    expect(after).toEqual({
      orders: before.orders + placed.length,
      lines: before.lines + placed.length,
      outbox: before.outbox + placed.length,
    });

    // One at a time, every refused request goes through with its own key.
    for (const [i, res] of answers.entries()) {
      if (!isRefusal(res)) continue;
      const { me, input } = requests[i]!;
      await placeOrder(busy, me, input);
    }
    expect((await counts(busy)).orders).toBe(before.orders + requests.length);
  });
});
