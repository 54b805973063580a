import type { EntityManager } from '@mikro-orm/postgresql';
import { joinOrBegin } from '../../../platform/db.js';
import { isUuid } from '../../../platform/ids.js';
import { executeSql, queryRows } from '../../../platform/events/sql.js';
import type { ReservationStatus } from '../entities.js';
import {
  InvalidReservationRequest,
  unchangedMany,
  type ReservationOutcome,
} from './reservations.js';
import { lockStockOfOrders } from './stock-locks.js';

/**
 * What happens to a reservation after the order saga decides: the stock
 * primitives that settle it. Each is idempotent per order id (a compare-and-
 * set on the reservation's status), joins the caller's transaction or starts
 * one, and locks stock rows in product_id order (stock-locks.ts).
 */

/**
 * How each settlement moves a reservation and its stock, per unit of a line.
 * The table is the documentation: release gives reserved units back to
 * `available`; commit takes them out of the warehouse (they ship); return
 * puts units of a committed order that was cancelled back on hand.
 */
const SETTLEMENTS = {
  release: { from: 'RESERVED', to: 'RELEASED', onHand: 0, reserved: -1 },
  commit: { from: 'RESERVED', to: 'COMMITTED', onHand: -1, reserved: -1 },
  return: { from: 'COMMITTED', to: 'RETURNED', onHand: 1, reserved: 0 },
} as const satisfies Record<
  string,
  { from: ReservationStatus; to: ReservationStatus; onHand: number; reserved: number }
>;
type Settlement = keyof typeof SETTLEMENTS;

/**
 * Releases an order's reserved units. Idempotent. Releasing an order that
 * was never reserved leaves a RELEASED marker, so a reservation request for
 * it that arrives late (a redelivery) reserves nothing.
 */
export async function release(em: EntityManager, orderId: string): Promise<ReservationOutcome> {
  const [outcome] = await settleMany(em, [orderId], 'release');
  if (outcome!.status !== null) return outcome!;
  const id = orderId.toLowerCase();
  const marked = await executeSql(
    em,
    `INSERT INTO reservations (order_id, status) VALUES (?, 'RELEASED') ON CONFLICT (order_id) DO NOTHING`,
    [id],
  );
  // Lost a race with a reservation that just committed: release that instead.
  if (marked) return { ...outcome!, status: 'RELEASED', version: 1 };
  const [again] = await settleMany(em, [id], 'release');
  return again!;
}

/** Takes an order's reserved units out of stock for good (the order is paid). Idempotent. */
export async function commit(em: EntityManager, orderId: string): Promise<ReservationOutcome> {
  const [outcome] = await commitMany(em, [orderId]);
  return outcome!;
}

/** `commit` for several orders with the statements of one; outcomes in the order given. */
export function commitMany(
  em: EntityManager,
  orderIds: readonly string[],
): Promise<ReservationOutcome[]> {
  return settleMany(em, orderIds, 'commit');
}

/** Puts a committed (paid, then cancelled) order's units back on hand. Idempotent. */
export async function returnStock(em: EntityManager, orderId: string): Promise<ReservationOutcome> {
  const [outcome] = await settleMany(em, [orderId], 'return');
  return outcome!;
}

/**
 * Whatever a cancelled order held goes back: reserved units are released,
 * committed ones returned; anything else is already settled.
 */
export async function undoForCancelledOrder(
  em: EntityManager,
  orderId: string,
): Promise<ReservationOutcome> {
  const released = await release(em, orderId);
  return released.status === 'COMMITTED' ? returnStock(em, orderId) : released;
}

async function settleMany(
  em: EntityManager,
  orderIds: readonly string[],
  kind: Settlement,
): Promise<ReservationOutcome[]> {
  if (!orderIds.every(isUuid)) throw new InvalidReservationRequest('orderId must be a UUID');
  const ids = orderIds.map((id) => id.toLowerCase());
  const rule = SETTLEMENTS[kind];
  return em.transactional(async (tx) => {
    // Compare-and-set on the status: of two concurrent calls, one moves it, the other waits and finds nothing to do.
    const moved = await queryRows<{ order_id: string; version: number }>(
      tx,
      `UPDATE reservations r SET status = ?, version = r.version + 1, updated_at = now()
        WHERE r.order_id IN (?) AND r.status = ?
        RETURNING r.order_id, r.version`,
      [rule.to, [...new Set(ids)], rule.from],
    );
    const decided = new Map<string, ReservationOutcome>(
      moved.map(({ order_id: orderId, version }) => [
        orderId,
        { orderId, status: rule.to, shortages: [], changed: true, version },
      ]),
    );
    if (moved.length) {
      const movedIds = moved.map((row) => row.order_id);
      await lockStockOfOrders(tx, movedIds);
      // Per product, the units of every moved order: one row change each.
      const [settled] = await queryRows<{ products: number; updated: number }>(
        tx,
        `WITH l AS (
           SELECT product_id, sum(quantity)::int AS quantity
             FROM reservation_lines WHERE order_id IN (?) GROUP BY product_id
         ), updated AS (
           UPDATE stock_items s
              SET on_hand = s.on_hand + ? * l.quantity,
                  reserved = s.reserved + ? * l.quantity,
                  version = s.version + 1,
                  updated_at = now()
             FROM l
            WHERE l.product_id = s.product_id
            RETURNING 1
         )
         SELECT (SELECT count(*)::int FROM l) AS products,
                (SELECT count(*)::int FROM updated) AS updated`,
        [movedIds, rule.onHand, rule.reserved],
      );
      if (settled?.updated !== settled?.products) {
        throw new Error(`settled ${settled?.updated} of ${settled?.products} stock rows`);
      }
    }
    const answers = ids.map((id) => {
      const outcome = decided.get(id) ?? null;
      // A repeated order id moved once; the repeat finds nothing to do.
      decided.delete(id);
      return outcome;
    });
    const others = await unchangedMany(
      tx,
      ids.filter((_, i) => !answers[i]),
    );
    return answers.map((answer, i) => answer ?? others.get(ids[i]!)!);
  }, joinOrBegin());
}
