import type { EntityManager } from '@mikro-orm/postgresql';
import { joinOrBegin } from '../../../platform/db.js';
import { isUuid } from '../../../platform/ids.js';
import { executeSql, queryRows } from '../../../platform/events/sql.js';
import type { ReservationStatus, Shortage } from '../entities.js';

/**
 * The stock primitives of the order saga. Each runs in one transaction (the
 * caller's when it has one, e.g. a Kafka handler's, which a failure rolls
 * back whole; no savepoint, which would cost two round trips), locks the
 * stock rows it touches in product_id order (so two orders over the same
 * products cannot deadlock), and is idempotent per order id: the
 * `reservations` row records what was done, and a repeated call changes
 * nothing and says so (`changed: false`).
 */

export interface RequestedLine {
  productId: string;
  quantity: number;
}

export interface ReservationOutcome {
  orderId: string;
  /** Where the order's reservation stands after the call; null if there never was one. */
  status: ReservationStatus | null;
  /** For REJECTED: the lines that could not be covered. */
  shortages: Shortage[];
  /** False when the call found the work already done (or nothing to do). */
  changed: boolean;
  /** The reservation's version after the call (0 when there is none): events carry it. */
  version: number;
}

/** A caller bug (the order service validates lines), never a customer's mistake. */
export class InvalidReservationRequest extends Error {
  override name = 'InvalidReservationRequest';
}

const MAX_LINES = 100;
const MAX_QUANTITY = 1_000_000;

/** Validates the request and merges repeated products; sorted by product id (the lock order). */
export function normalizeLines(orderId: string, lines: readonly RequestedLine[]): RequestedLine[] {
  if (!isUuid(orderId)) throw new InvalidReservationRequest('orderId must be a UUID');
  if (lines.length === 0 || lines.length > MAX_LINES) {
    throw new InvalidReservationRequest(`an order has 1 to ${MAX_LINES} lines`);
  }
  const merged = new Map<string, number>();
  for (const line of lines) {
    if (!isUuid(line.productId)) throw new InvalidReservationRequest('productId must be a UUID');
    if (!Number.isInteger(line.quantity) || line.quantity < 1) {
      throw new InvalidReservationRequest('quantity must be a positive integer');
    }
    const id = line.productId.toLowerCase();
    merged.set(id, (merged.get(id) ?? 0) + line.quantity);
  }
  const normalized = [...merged].map(([productId, quantity]) => ({ productId, quantity }));
  if (normalized.some((l) => l.quantity > MAX_QUANTITY)) {
    throw new InvalidReservationRequest(`quantity must be at most ${MAX_QUANTITY}`);
  }
  return normalized.sort((a, b) => (a.productId < b.productId ? -1 : 1));
}

/**
 * Reserves every line of an order, or none. The rows are locked first, then
 * every line is checked against `on_hand - reserved`; only when all fit are
 * they reserved, with one conditional UPDATE whose row count must match.
 * A refusal is recorded too (REJECTED with its shortages), so a retry gives
 * the same answer instead of reserving stock that arrived meanwhile.
 */
export async function reserveAll(
  em: EntityManager,
  orderId: string,
  lines: readonly RequestedLine[],
): Promise<ReservationOutcome> {
  const wanted = normalizeLines(orderId, lines);
  const id = orderId.toLowerCase();
  return em.transactional(async (tx) => {
    // Claims the order id: a concurrent duplicate waits here, then sees the claim.
    const claimed = await executeSql(
      tx,
      `INSERT INTO reservations (order_id, status) VALUES (?, 'RESERVED')
       ON CONFLICT (order_id) DO NOTHING`,
      [id],
    );
    if (claimed === 0) return unchanged(tx, id);

    const productIds = wanted.map((l) => l.productId);
    const stock = await lockStock(tx, productIds);
    const shortages: Shortage[] = [];
    for (const line of wanted) {
      const row = stock.get(line.productId);
      const available = row ? row.on_hand - row.reserved : 0;
      if (available < line.quantity) {
        shortages.push({ productId: line.productId, requested: line.quantity, available });
      }
    }
    if (shortages.length) {
      await executeSql(
        tx,
        `UPDATE reservations SET status = 'REJECTED', shortages = ?::jsonb WHERE order_id = ?`,
        [JSON.stringify(shortages), id],
      );
      return { orderId: id, status: 'REJECTED', shortages, changed: true, version: 1 };
    }

    const quantities = wanted.map((l) => l.quantity);
    // The stock and the reservation's lines in one round trip.
    const [reserved] = await queryRows<{ lines: number }>(
      tx,
      `WITH reserved AS (
         UPDATE stock_items s
            SET reserved = s.reserved + v.quantity, version = s.version + 1, updated_at = now()
           FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::int[]) AS v (product_id, quantity)
          WHERE s.product_id = v.product_id AND s.on_hand - s.reserved >= v.quantity
          RETURNING s.product_id
       ), lines AS (
         INSERT INTO reservation_lines (order_id, product_id, quantity)
         SELECT ?, v.product_id, v.quantity
           FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::int[]) AS v (product_id, quantity)
       )
       SELECT count(*)::int AS lines FROM reserved`,
      [productIds, quantities, id, productIds, quantities],
    );
    // Impossible while the rows are locked; if it ever happens, roll everything back.
    if (reserved?.lines !== wanted.length) {
      throw new Error(`reserved ${reserved?.lines} of ${wanted.length} lines under lock`);
    }
    return { orderId: id, status: 'RESERVED', shortages: [], changed: true, version: 1 };
  }, joinOrBegin());
}

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
  const outcome = await settle(em, orderId, 'release');
  if (outcome.status !== null) return outcome;
  const id = orderId.toLowerCase();
  const marked = await executeSql(
    em,
    `INSERT INTO reservations (order_id, status) VALUES (?, 'RELEASED') ON CONFLICT (order_id) DO NOTHING`,
    [id],
  );
  // Lost a race with a reservation that just committed: release that instead.
  return marked ? { ...outcome, status: 'RELEASED', version: 1 } : settle(em, id, 'release');
}

/** Takes an order's reserved units out of stock for good (the order is paid). Idempotent. */
export async function commit(em: EntityManager, orderId: string): Promise<ReservationOutcome> {
  return settle(em, orderId, 'commit');
}

/** Puts a committed (paid, then cancelled) order's units back on hand. Idempotent. */
export async function returnStock(em: EntityManager, orderId: string): Promise<ReservationOutcome> {
  return settle(em, orderId, 'return');
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

async function settle(
  em: EntityManager,
  orderId: string,
  kind: Settlement,
): Promise<ReservationOutcome> {
  if (!isUuid(orderId)) throw new InvalidReservationRequest('orderId must be a UUID');
  const id = orderId.toLowerCase();
  const rule = SETTLEMENTS[kind];
  return em.transactional(async (tx) => {
    // Compare-and-set on the status: of two concurrent calls, one moves it, the other waits and finds nothing to do.
    const [moved] = await queryRows<{ version: number; lines: number }>(
      tx,
      `UPDATE reservations r SET status = ?, version = r.version + 1, updated_at = now()
        WHERE r.order_id = ? AND r.status = ?
        RETURNING r.version,
                  (SELECT count(*)::int FROM reservation_lines l WHERE l.order_id = r.order_id) AS lines`,
      [rule.to, id, rule.from],
    );
    if (!moved) return unchanged(tx, id);
    await queryRows(
      tx,
      `SELECT product_id FROM stock_items
        WHERE product_id IN (SELECT product_id FROM reservation_lines WHERE order_id = ?)
        ORDER BY product_id FOR UPDATE`,
      [id],
    );
    const updated = await executeSql(
      tx,
      `UPDATE stock_items s
          SET on_hand = s.on_hand + ? * l.quantity,
              reserved = s.reserved + ? * l.quantity,
              version = s.version + 1,
              updated_at = now()
         FROM reservation_lines l
        WHERE l.order_id = ? AND l.product_id = s.product_id`,
      [rule.onHand, rule.reserved, id],
    );
    if (updated !== moved.lines) {
      throw new Error(`settled ${updated} of ${moved.lines} lines of order ${id}`);
    }
    return { orderId: id, status: rule.to, shortages: [], changed: true, version: moved.version };
  }, joinOrBegin());
}

interface LockedStock {
  product_id: string;
  on_hand: number;
  reserved: number;
}

/** Locks the products' stock rows in product_id order, the one lock order every primitive uses. */
async function lockStock(
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

async function unchanged(em: EntityManager, orderId: string): Promise<ReservationOutcome> {
  const [row] = await queryRows<{
    status: ReservationStatus;
    shortages: Shortage[] | null;
    version: number;
  }>(em, 'SELECT status, shortages, version FROM reservations WHERE order_id = ?', [orderId]);
  return {
    orderId,
    status: row?.status ?? null,
    shortages: row?.shortages ?? [],
    changed: false,
    version: row?.version ?? 0,
  };
}
