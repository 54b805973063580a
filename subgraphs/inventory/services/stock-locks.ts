import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../../platform/ids.js';
import type { EventEnvelope } from '../../../platform/events/index.js';
import { queryRows } from '../../../platform/events/sql.js';

/**
 * Stock rows are what every order takes, so every primitive locks them in
 * one order, by product_id: two orders over the same products then wait for
 * each other instead of deadlocking.
 */

interface LockedStock {
  product_id: string;
  on_hand: number;
  reserved: number;
}

/** Locks the products' stock rows in product_id order. */
export async function lockStock(
  em: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, LockedStock>> {
  if (productIds.length === 0) return new Map();
  const rows = await queryRows<LockedStock>(
    em,
    `SELECT product_id, on_hand, reserved FROM stock_items
      WHERE product_id IN (?) ORDER BY product_id FOR UPDATE`,
    [productIds],
  );
  return new Map(rows.map((row) => [row.product_id, row]));
}

/** Locks the stock rows of orders' reservations, in product_id order. */
export async function lockStockOfOrders(
  em: EntityManager,
  orderIds: readonly string[],
): Promise<void> {
  await lockStockFor(em, [], orderIds);
}

/**
 * The consumer's chunk locker (ConsumerOptions.lockChunk): before a chunk's
 * handlers run, locks in one statement every stock row they will touch:
 * a catalogue event's product, the products a new order asks for, and those
 * an existing reservation holds. The handlers then lock again, holding
 * already.
 */
export async function lockStockForEvents(
  events: readonly EventEnvelope[],
  em: EntityManager,
): Promise<void> {
  const productIds = new Set<string>();
  const orderIds: string[] = [];
  for (const { type, data } of events) {
    if (type === 'order.placed') {
      const { items } = data as EventEnvelope<'order.placed'>['data'];
      for (const { productId } of items) productIds.add(productId.toLowerCase());
    } else if ('orderId' in data) {
      orderIds.push(data.orderId.toLowerCase());
    } else if ('productId' in data) {
      productIds.add(data.productId.toLowerCase());
    }
  }
  await lockStockFor(em, [...productIds], orderIds);
}

async function lockStockFor(
  em: EntityManager,
  productIds: readonly string[],
  orderIds: readonly string[],
): Promise<void> {
  // A malformed id is the handler's to refuse (a caller bug); it must not fail the cast here.
  const products = productIds.filter(isUuid);
  const orders = orderIds.filter(isUuid);
  if (products.length === 0 && orders.length === 0) return;
  await queryRows(
    em,
    `SELECT product_id FROM stock_items
      WHERE product_id IN (?)
         OR product_id IN (SELECT product_id FROM reservation_lines WHERE order_id IN (?))
      ORDER BY product_id FOR UPDATE`,
    [products, orders],
  );
}
