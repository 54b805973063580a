import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../platform/ids.js';
import { buildEnvelope } from '../../platform/events/index.js';
import { createExpiryTask, expireDueOrders } from './services/order-expiry.js';
import { applySagaEvents } from './services/saga-handlers.js';
import {
  customer,
  orderInput,
  outboxEvents,
  placeOrder,
  seedProduct,
  startOrderService,
  type TestOrderService,
} from './test-support.js';

let service: TestOrderService;

beforeAll(async () => {
  service = await startOrderService('ordersaga', 4433);
});
afterAll(async () => {
  await service?.stop();
});

async function statusOf(id: string) {
  const [row] = await service.sql<{
    status: string;
    status_reason: string | null;
    version: number;
  }>('SELECT status, status_reason, version FROM orders WHERE id = $1', [id]);
  return row;
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function newOrder() {
  const product = await seedProduct(service, { price: 900 });
  const order = await placeOrder(service, customer(), orderInput([{ productId: product }]));
  return { order, product };
}

describe('saga events over Kafka', () => {
  it('confirms an order when stock is reserved and then paid', async () => {
    const { order } = await newOrder();
    await service.publish('inventory.reserved', order.id, 1, { orderId: order.id });
    expect(
      await eventually(
        () => statusOf(order.id),
        (s) => s?.status === 'AWAITING_PAYMENT',
      ),
    ).toEqual({ status: 'AWAITING_PAYMENT', status_reason: null, version: 2 });
    await service.publish('payment.succeeded', uuidv7(), 1, {
      orderId: order.id,
      paymentId: uuidv7(),
      amount: { amount: 900, currency: 'EUR' },
    });
    expect(
      await eventually(
        () => statusOf(order.id),
        (s) => s?.status === 'CONFIRMED',
      ),
    ).toEqual({
      status: 'CONFIRMED',
      status_reason: null,
      version: 3,
    });
    const events = await outboxEvents(service, order.id);
    expect(events.map((e) => e.type)).toEqual([
      'order.placed',
      'order.awaiting_payment',
      'order.confirmed',
    ]);
    expect(events[1]!.payload.data).toMatchObject({
      total: { amount: 900, currency: 'EUR' },
      paymentMethod: 'pm_card_visa',
    });
  });

  it('cancels as OUT_OF_STOCK when inventory rejects the order', async () => {
    const { order, product } = await newOrder();
    await service.publish('inventory.rejected', order.id, 1, {
      orderId: order.id,
      shortages: [{ productId: product, requested: 1, available: 0 }],
    });
    expect(
      await eventually(
        () => statusOf(order.id),
        (s) => s?.status === 'CANCELLED',
      ),
    ).toEqual({
      status: 'CANCELLED',
      status_reason: 'OUT_OF_STOCK',
      version: 2,
    });
  });

  it('cancels as PAYMENT_DECLINED when the payment fails', async () => {
    const { order } = await newOrder();
    await service.publish('inventory.reserved', order.id, 1, { orderId: order.id });
    await service.publish('payment.failed', uuidv7(), 1, {
      orderId: order.id,
      paymentId: uuidv7(),
      amount: { amount: 900, currency: 'EUR' },
      failureReason: 'card_declined',
    });
    expect(
      await eventually(
        () => statusOf(order.id),
        (s) => s?.status === 'CANCELLED',
      ),
    ).toEqual({
      status: 'CANCELLED',
      status_reason: 'PAYMENT_DECLINED',
      version: 3,
    });
  });

  it('ignores a stock reservation that arrives after the customer cancelled', async () => {
    const { order } = await newOrder();
    const owner = (
      await service.sql<{ customer_id: string }>('SELECT customer_id FROM orders WHERE id = $1', [
        order.id,
      ])
    )[0]!.customer_id;
    await service.call(
      'mutation($id: ID!) { cancelOrder(id: $id) { order { id } } }',
      { id: order.id },
      {
        userId: owner,
        roles: ['CUSTOMER'],
      },
    );
    const reserved = await service.publish('inventory.reserved', order.id, 1, {
      orderId: order.id,
    });
    // The inbox row commits with the handler's transaction: once it is there, the event was handled.
    await eventually(
      () => service.sql('SELECT 1 FROM inbox WHERE event_id = $1', [reserved.id]),
      (rows) => rows.length === 1,
    );
    expect(await statusOf(order.id)).toEqual({
      status: 'CANCELLED',
      status_reason: 'CUSTOMER_CANCELLED',
      version: 2,
    });
  });

  it('makes a product orderable once its product.created event is consumed', async () => {
    const productId = uuidv7();
    await service.publish('product.created', productId, 1, {
      productId,
      sku: 'KAFKA-1',
      name: 'From Kafka',
      category: 'test',
      price: { amount: 4321, currency: 'EUR' },
      active: true,
    });
    const row = await eventually(
      () =>
        service.sql<{ price_amount: number }>(
          'SELECT price_amount FROM catalog_products WHERE product_id = $1',
          [productId],
        ),
      (rows) => rows.length === 1,
    );
    expect(row[0]?.price_amount).toBe(4321);
  });
});

describe('saga events handled as a chunk', () => {
  const rejected = (orderId: string, productId: string, traceId: string) =>
    buildEnvelope({
      type: 'inventory.rejected',
      aggregateId: orderId,
      aggregateVersion: 1,
      data: { orderId, shortages: [{ productId, requested: 1, available: 0 }] },
      traceId,
    });

  it("moves every order in one transaction, each new event continuing its cause's trace", async () => {
    const orders = await Promise.all([newOrder(), newOrder(), newOrder()]);
    const traces = orders.map((_, i) => `chunktrace0000000000000${i}`);
    const causes = orders.map(({ order, product }, i) => rejected(order.id, product, traces[i]!));
    await service
      .em()
      .transactional((em) => applySagaEvents(em, service.running.runtime.logger, causes));

    for (const [i, { order }] of orders.entries()) {
      expect(await statusOf(order.id)).toEqual({
        status: 'CANCELLED',
        status_reason: 'OUT_OF_STOCK',
        version: 2,
      });
      const events = await outboxEvents(service, order.id);
      expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.cancelled']);
      // A cancellation carries its lines, for inventory to release them.
      expect(events[1]!.payload).toMatchObject({
        traceId: traces[i],
        aggregateVersion: 2,
        data: { items: [{ productId: orders[i]!.product, quantity: 1 }] },
      });
    }
    const writers = await service.sql<{ xmin: string }>(
      'SELECT DISTINCT xmin::text FROM orders WHERE id IN ($1, $2, $3)',
      orders.map(({ order }) => order.id),
    );
    expect(writers).toHaveLength(1);
  });

  it('applies the events it can and leaves late and unknown ones alone', async () => {
    const [late, fresh] = await Promise.all([newOrder(), newOrder()]);
    await service.publish('inventory.reserved', late.order.id, 1, { orderId: late.order.id });
    await eventually(
      () => statusOf(late.order.id),
      (s) => s?.status === 'AWAITING_PAYMENT',
    );
    const unknown = uuidv7();
    await service
      .em()
      .transactional((em) =>
        applySagaEvents(em, service.running.runtime.logger, [
          rejected(late.order.id, late.product, 'chunktrace-late-000000'),
          rejected(unknown, late.product, 'chunktrace-unknown-000'),
          rejected(fresh.order.id, fresh.product, 'chunktrace-fresh-00000'),
        ]),
      );

    // Stock rejected after it was reserved: refused by the table, nothing changed.
    expect(await statusOf(late.order.id)).toEqual({
      status: 'AWAITING_PAYMENT',
      status_reason: null,
      version: 2,
    });
    expect(await statusOf(fresh.order.id)).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect(await outboxEvents(service, unknown)).toEqual([]);
  });
});

describe('expiry', () => {
  it('cancels PENDING and AWAITING_PAYMENT orders past their time-to-live as EXPIRED, and nothing else', async () => {
    const pending = await newOrder();
    const awaiting = await newOrder();
    const fresh = await newOrder();
    await service.publish('inventory.reserved', awaiting.order.id, 1, {
      orderId: awaiting.order.id,
    });
    await eventually(
      () => statusOf(awaiting.order.id),
      (s) => s?.status === 'AWAITING_PAYMENT',
    );
    await service.sql(
      `UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = ANY($1)`,
      [[pending.order.id, awaiting.order.id]],
    );
    // The background sweep may get there first; either way the outcome is the same.
    await expireDueOrders(service.em());
    expect(await statusOf(pending.order.id)).toEqual({
      status: 'CANCELLED',
      status_reason: 'EXPIRED',
      version: 2,
    });
    expect(await statusOf(awaiting.order.id)).toEqual({
      status: 'CANCELLED',
      status_reason: 'EXPIRED',
      version: 3,
    });
    expect((await statusOf(fresh.order.id))?.status).toBe('PENDING');
    expect((await outboxEvents(service, pending.order.id)).map((e) => e.type)).toEqual([
      'order.placed',
      'order.cancelled',
    ]);
  });

  it('never expires a confirmed order, even past its deadline', async () => {
    const { order } = await newOrder();
    await service.publish('inventory.reserved', order.id, 1, { orderId: order.id });
    await service.publish('payment.succeeded', uuidv7(), 1, {
      orderId: order.id,
      paymentId: uuidv7(),
      amount: { amount: 900, currency: 'EUR' },
    });
    await eventually(
      () => statusOf(order.id),
      (s) => s?.status === 'CONFIRMED',
    );
    await service.sql(`UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      order.id,
    ]);
    await expireDueOrders(service.em());
    expect((await statusOf(order.id))?.status).toBe('CONFIRMED');
  });

  it('runs as a background task that sweeps on its own', async () => {
    const { order } = await newOrder();
    const runtime = service.running.runtime;
    // A one-second TTL makes the task sweep every 200 ms.
    const task = createExpiryTask({ ...runtime, config: { ...runtime.config, ORDER_TTL: 1_000 } });
    await task.start();
    try {
      await service.sql(`UPDATE orders SET expires_at = now() WHERE id = $1`, [order.id]);
      expect(
        await eventually(
          () => statusOf(order.id),
          (s) => s?.status === 'CANCELLED',
          3_000,
        ),
      ).toMatchObject({ status: 'CANCELLED', status_reason: 'EXPIRED' });
    } finally {
      await task.stop();
    }
  });
});
