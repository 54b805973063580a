import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../../platform/db.js';
import { createLogger } from '../../platform/logger.js';
import { uuidv7 } from '../../platform/ids.js';
import { buildEnvelope, queryRows } from '../../platform/events/index.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { InvalidReservationRequest, reserveAll, reserveMany } from './services/reservations.js';
import {
  commit,
  commitMany,
  release,
  returnStock,
  undoForCancelledOrder,
} from './services/settlements.js';
import { lockStockForEvents } from './services/stock-locks.js';
import { orderSaga } from './services/order-saga.js';

/** The stock primitives against a real PostgreSQL, each call on its own connection. */

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ecommerce_t_ivpay_inventory';
let orm: MikroORM;

beforeAll(async () => {
  orm = await initOrm({
    url: DATABASE_URL,
    entities,
    migrations,
    logger: createLogger('inventory-test', 'silent'),
    poolMax: 20,
  });
});

afterAll(async () => {
  await orm?.close(true);
});

const em = () => orm.em.fork();

async function productWithStock(onHand: number): Promise<string> {
  const productId = uuidv7();
  await queryRows(em(), 'INSERT INTO stock_items (product_id, on_hand) VALUES (?, ?)', [
    productId,
    onHand,
  ]);
  return productId;
}

async function stockOf(productId: string) {
  const [row] = await queryRows<{ on_hand: number; reserved: number }>(
    em(),
    'SELECT on_hand, reserved FROM stock_items WHERE product_id = ?',
    [productId],
  );
  return { onHand: row?.on_hand, reserved: row?.reserved };
}

describe('reserveAll', () => {
  it('never reserves more than is on hand when 50 orders race for 10 units', async () => {
    const productId = await productWithStock(10);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => reserveAll(em(), uuidv7(), [{ productId, quantity: 1 }])),
    );
    expect(outcomes.filter((o) => o.status === 'RESERVED')).toHaveLength(10);
    expect(outcomes.filter((o) => o.status === 'REJECTED')).toHaveLength(40);
    expect(await stockOf(productId)).toEqual({ onHand: 10, reserved: 10 });
    const [held] = await queryRows<{ total: number }>(
      em(),
      'SELECT sum(quantity)::int AS total FROM reservation_lines WHERE product_id = ?',
      [productId],
    );
    expect(held?.total).toBe(10);
  });

  it('does not deadlock when orders lock the same products listed in opposite orders', async () => {
    const a = await productWithStock(30);
    const b = await productWithStock(30);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        reserveAll(
          em(),
          uuidv7(),
          i % 2
            ? [
                { productId: a, quantity: 1 },
                { productId: b, quantity: 1 },
              ]
            : [
                { productId: b, quantity: 1 },
                { productId: a, quantity: 1 },
              ],
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'RESERVED')).toHaveLength(30);
    expect(await stockOf(a)).toEqual({ onHand: 30, reserved: 30 });
    expect(await stockOf(b)).toEqual({ onHand: 30, reserved: 30 });
  });

  it('reserves no line of an order when one line cannot be covered', async () => {
    const plenty = await productWithStock(5);
    const scarce = await productWithStock(1);
    const outcome = await reserveAll(em(), uuidv7(), [
      { productId: plenty, quantity: 2 },
      { productId: scarce, quantity: 2 },
    ]);
    expect(outcome.status).toBe('REJECTED');
    expect(outcome.shortages).toEqual([{ productId: scarce, requested: 2, available: 1 }]);
    expect(await stockOf(plenty)).toEqual({ onHand: 5, reserved: 0 });
    expect(await stockOf(scarce)).toEqual({ onHand: 1, reserved: 0 });
  });

  it('counts a product the warehouse never heard of as out of stock', async () => {
    const unknown = uuidv7();
    const outcome = await reserveAll(em(), uuidv7(), [{ productId: unknown, quantity: 1 }]);
    expect(outcome.shortages).toEqual([{ productId: unknown, requested: 1, available: 0 }]);
  });

  it('adds up repeated lines of one product', async () => {
    const productId = await productWithStock(3);
    const orderId = uuidv7();
    const outcome = await reserveAll(em(), orderId, [
      { productId, quantity: 1 },
      { productId, quantity: 2 },
    ]);
    expect(outcome.status).toBe('RESERVED');
    expect(await stockOf(productId)).toEqual({ onHand: 3, reserved: 3 });
  });

  it('holds stock once for an order reserved twice, even concurrently', async () => {
    const productId = await productWithStock(10);
    const orderId = uuidv7();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => reserveAll(em(), orderId, [{ productId, quantity: 2 }])),
    );
    expect(outcomes.filter((o) => o.changed)).toHaveLength(1);
    expect(outcomes.every((o) => o.status === 'RESERVED')).toBe(true);
    expect(await stockOf(productId)).toEqual({ onHand: 10, reserved: 2 });
  });

  it('keeps a rejected order rejected when stock arrives later', async () => {
    const productId = await productWithStock(0);
    const orderId = uuidv7();
    await reserveAll(em(), orderId, [{ productId, quantity: 1 }]);
    await queryRows(em(), 'UPDATE stock_items SET on_hand = 5 WHERE product_id = ?', [productId]);
    const again = await reserveAll(em(), orderId, [{ productId, quantity: 1 }]);
    expect(again).toMatchObject({ status: 'REJECTED', changed: false });
    expect(again.shortages).toEqual([{ productId, requested: 1, available: 0 }]);
    expect(await stockOf(productId)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('refuses malformed requests as caller bugs', async () => {
    const productId = await productWithStock(1);
    await expect(reserveAll(em(), 'not-a-uuid', [{ productId, quantity: 1 }])).rejects.toThrow(
      InvalidReservationRequest,
    );
    await expect(reserveAll(em(), uuidv7(), [])).rejects.toThrow(InvalidReservationRequest);
    await expect(reserveAll(em(), uuidv7(), [{ productId, quantity: 0 }])).rejects.toThrow(
      InvalidReservationRequest,
    );
    expect(await stockOf(productId)).toEqual({ onHand: 1, reserved: 0 });
  });
});

describe('release, commit and return', () => {
  async function reservedOrder(onHand: number, quantity: number) {
    const productId = await productWithStock(onHand);
    const orderId = uuidv7();
    const outcome = await reserveAll(em(), orderId, [{ productId, quantity }]);
    expect(outcome.status).toBe('RESERVED');
    return { productId, orderId };
  }

  it('release gives reserved units back to available, once', async () => {
    const { productId, orderId } = await reservedOrder(5, 3);
    const first = await release(em(), orderId);
    const second = await release(em(), orderId);
    expect(first).toMatchObject({ status: 'RELEASED', changed: true });
    expect(second).toMatchObject({ status: 'RELEASED', changed: false });
    expect(await stockOf(productId)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('commit takes reserved units out of the warehouse, once', async () => {
    const { productId, orderId } = await reservedOrder(5, 3);
    const outcomes = await Promise.all([commit(em(), orderId), commit(em(), orderId)]);
    expect(outcomes.filter((o) => o.changed)).toHaveLength(1);
    expect(await stockOf(productId)).toEqual({ onHand: 2, reserved: 0 });
  });

  it('release after commit changes nothing', async () => {
    const { productId, orderId } = await reservedOrder(5, 3);
    await commit(em(), orderId);
    expect(await release(em(), orderId)).toMatchObject({ status: 'COMMITTED', changed: false });
    expect(await stockOf(productId)).toEqual({ onHand: 2, reserved: 0 });
  });

  it('returns the units of a committed order that is cancelled, once', async () => {
    const { productId, orderId } = await reservedOrder(5, 3);
    await commit(em(), orderId);
    expect(await undoForCancelledOrder(em(), orderId)).toMatchObject({
      status: 'RETURNED',
      changed: true,
    });
    expect(await returnStock(em(), orderId)).toMatchObject({ changed: false });
    expect(await stockOf(productId)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('releases the reservation of an order cancelled before payment', async () => {
    const { productId, orderId } = await reservedOrder(5, 3);
    expect(await undoForCancelledOrder(em(), orderId)).toMatchObject({
      status: 'RELEASED',
      changed: true,
    });
    expect(await stockOf(productId)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('keeps an order released before it was reserved from holding stock later', async () => {
    const productId = await productWithStock(5);
    const orderId = uuidv7();
    expect(await release(em(), orderId)).toMatchObject({ status: 'RELEASED', changed: false });
    const late = await reserveAll(em(), orderId, [{ productId, quantity: 1 }]);
    expect(late).toMatchObject({ status: 'RELEASED', changed: false });
    expect(await stockOf(productId)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('commit of an order that was never reserved does nothing', async () => {
    expect(await commit(em(), uuidv7())).toMatchObject({ status: null, changed: false });
  });
});

describe('order saga handlers', () => {
  const customerId = uuidv7();
  const unitPrice = { amount: 100, currency: 'EUR' };

  async function handle<T extends 'order.placed' | 'order.confirmed' | 'order.cancelled'>(
    type: T,
    data: Parameters<typeof buildEnvelope<T>>[0]['data'],
  ) {
    const event = buildEnvelope({ type, aggregateId: uuidv7(), aggregateVersion: 1, data });
    const handler = orderSaga.handlers[type] as (e: typeof event, em: unknown) => Promise<void>;
    await em().transactional((tx) => handler(event, tx));
  }

  async function outboxFor(orderId: string) {
    return queryRows<{ type: string; payload: { data: unknown } }>(
      em(),
      `SELECT type, payload FROM outbox WHERE key = ? ORDER BY seq`,
      [orderId],
    );
  }

  const lifecycle = (orderId: string, status: 'PENDING' | 'CONFIRMED' | 'CANCELLED') => ({
    orderId,
    customerId,
    status,
    statusReason: status === 'CANCELLED' ? ('CUSTOMER_CANCELLED' as const) : null,
    version: 1,
  });

  it('answers order.placed with inventory.reserved, then commits on order.confirmed', async () => {
    const productId = await productWithStock(4);
    const orderId = uuidv7();
    const items = [{ productId, quantity: 3, unitPrice }];
    await handle('order.placed', {
      ...lifecycle(orderId, 'PENDING'),
      items,
      total: { amount: 300, currency: 'EUR' },
      paymentMethod: 'pm_card_visa',
    });
    await handle('order.confirmed', lifecycle(orderId, 'CONFIRMED'));
    expect((await outboxFor(orderId)).map((r) => r.type)).toEqual([
      'inventory.reserved',
      'inventory.committed',
    ]);
    expect(await stockOf(productId)).toEqual({ onHand: 1, reserved: 0 });
  });

  it('answers an order it cannot cover with inventory.rejected and its shortages', async () => {
    const productId = await productWithStock(1);
    const orderId = uuidv7();
    await handle('order.placed', {
      ...lifecycle(orderId, 'PENDING'),
      items: [{ productId, quantity: 2, unitPrice }],
      total: { amount: 200, currency: 'EUR' },
      paymentMethod: 'pm_card_visa',
    });
    const events = await outboxFor(orderId);
    expect(events.map((r) => r.type)).toEqual(['inventory.rejected']);
    expect(events[0]?.payload.data).toEqual({
      orderId,
      shortages: [{ productId, requested: 2, available: 1 }],
    });
  });

  it('releases on order.cancelled and says so with inventory.released', async () => {
    const productId = await productWithStock(2);
    const orderId = uuidv7();
    const items = [{ productId, quantity: 2, unitPrice }];
    await handle('order.placed', {
      ...lifecycle(orderId, 'PENDING'),
      items,
      total: { amount: 200, currency: 'EUR' },
      paymentMethod: 'pm_card_visa',
    });
    await handle('order.cancelled', { ...lifecycle(orderId, 'CANCELLED'), items });
    expect((await outboxFor(orderId)).map((r) => r.type)).toEqual([
      'inventory.reserved',
      'inventory.released',
    ]);
    expect(await stockOf(productId)).toEqual({ onHand: 2, reserved: 0 });
  });
});

describe('orders reserved and committed together (a consumer chunk)', () => {
  const unitPrice = { amount: 100, currency: 'EUR' };
  const placed = (productIds: string[]) => {
    const orderId = uuidv7();
    return buildEnvelope({
      type: 'order.placed',
      aggregateId: orderId,
      aggregateVersion: 1,
      data: {
        orderId,
        customerId: uuidv7(),
        status: 'PENDING',
        statusReason: null,
        version: 1,
        items: productIds.map((productId) => ({ productId, quantity: 1, unitPrice })),
        total: { amount: 100 * productIds.length, currency: 'EUR' },
        paymentMethod: 'pm_card_visa',
      },
    });
  };
  const confirmed = (orderId: string) =>
    buildEnvelope({
      type: 'order.confirmed',
      aggregateId: orderId,
      aggregateVersion: 3,
      data: { orderId, customerId: uuidv7(), status: 'CONFIRMED', statusReason: null, version: 3 },
    });

  it('serves the orders in the order given, each against the stock the ones before it left', async () => {
    const productId = await productWithStock(5);
    const requests = [3, 3, 2].map((quantity) => ({
      orderId: uuidv7(),
      lines: [{ productId, quantity }],
    }));
    const outcomes = await reserveMany(em(), requests);
    expect(outcomes.map((o) => [o.orderId, o.status, o.changed])).toEqual([
      [requests[0]!.orderId, 'RESERVED', true],
      [requests[1]!.orderId, 'REJECTED', true],
      [requests[2]!.orderId, 'RESERVED', true],
    ]);
    expect(outcomes[1]!.shortages).toEqual([{ productId, requested: 3, available: 2 }]);
    expect(await stockOf(productId)).toEqual({ onHand: 5, reserved: 5 });

    // Asked again: the same answers, nothing changed.
    const again = await reserveMany(em(), requests);
    expect(again.map((o) => [o.status, o.changed])).toEqual([
      ['RESERVED', false],
      ['REJECTED', false],
      ['RESERVED', false],
    ]);
    expect(again[1]!.shortages).toEqual([{ productId, requested: 3, available: 2 }]);
    expect(await stockOf(productId)).toEqual({ onHand: 5, reserved: 5 });
  });

  it('commits several orders at once, each once, and leaves an unknown order alone', async () => {
    const [a, b] = [await productWithStock(5), await productWithStock(5)];
    const first = {
      orderId: uuidv7(),
      lines: [
        { productId: a, quantity: 2 },
        { productId: b, quantity: 1 },
      ],
    };
    const second = { orderId: uuidv7(), lines: [{ productId: a, quantity: 1 }] };
    await reserveMany(em(), [first, second]);
    const unknown = uuidv7();

    const outcomes = await commitMany(em(), [first.orderId, second.orderId, unknown]);
    expect(outcomes.map((o) => [o.orderId, o.status, o.changed])).toEqual([
      [first.orderId, 'COMMITTED', true],
      [second.orderId, 'COMMITTED', true],
      [unknown, null, false],
    ]);
    expect(await stockOf(a)).toEqual({ onHand: 2, reserved: 0 });
    expect(await stockOf(b)).toEqual({ onHand: 4, reserved: 0 });

    const again = await commitMany(em(), [second.orderId, first.orderId]);
    expect(again.map((o) => [o.status, o.changed])).toEqual([
      ['COMMITTED', false],
      ['COMMITTED', false],
    ]);
    expect(await stockOf(a)).toEqual({ onHand: 2, reserved: 0 });
  });

  it('neither deadlocks nor oversells when chunks reserve one product while committing another', async () => {
    const products = [await productWithStock(20), await productWithStock(20)];
    // Orders already reserved, 8 of each product: the chunks commit them.
    const earlier = products.map((productId) =>
      Array.from({ length: 8 }, () => placed([productId])),
    );
    await em().transactional((tx) => orderSaga.chunkHandlers['order.placed']!(earlier.flat(), tx));
    // Chunk c reserves product c % 2 and commits orders of the other one: a
    // chunk reserving A then committing B meets one reserving B then
    // committing A, the two-step locking that deadlocks without the locker.
    const chunks = Array.from({ length: 8 }, (_, c) => ({
      placed: Array.from({ length: 4 }, () => placed([products[c % 2]!])),
      confirmed: earlier[(c + 1) % 2]!.slice(Math.floor(c / 2) * 2, Math.floor(c / 2) * 2 + 2).map(
        (e) => confirmed(e.data.orderId),
      ),
    }));
    const results = await Promise.allSettled(
      chunks.map((chunk) =>
        em().transactional(async (tx) => {
          await lockStockForEvents([...chunk.placed, ...chunk.confirmed], tx);
          await orderSaga.chunkHandlers['order.placed']!(chunk.placed, tx);
          await orderSaga.chunkHandlers['order.confirmed']!(chunk.confirmed, tx);
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    // Every unit is accounted for: committed ones left the warehouse, reserved ones are held.
    const all = [...earlier.flat(), ...chunks.flatMap((c) => c.placed)];
    const statuses = await queryRows<{ order_id: string; status: string }>(
      em(),
      'SELECT order_id::text, status FROM reservations WHERE order_id IN (?)',
      [all.map((e) => e.data.orderId)],
    );
    const statusOf = new Map(statuses.map((r) => [r.order_id, r.status]));
    for (const productId of products) {
      const holding = all.filter((e) => e.data.items.some((l) => l.productId === productId));
      const count = (status: string) =>
        holding.filter((e) => statusOf.get(e.data.orderId) === status).length;
      expect(await stockOf(productId)).toEqual({
        onHand: 20 - count('COMMITTED'),
        reserved: count('RESERVED'),
      });
    }
    expect(statuses.filter((r) => r.status === 'COMMITTED')).toHaveLength(16);
    expect(statuses.filter((r) => r.status === 'REJECTED').length).toBeGreaterThan(0);
  });
});
