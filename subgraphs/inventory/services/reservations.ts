import type { EntityManager } from '@mikro-orm/postgresql';
import { joinOrBegin } from '../../../platform/db.js';
import { isUuid } from '../../../platform/ids.js';
import { queryRows } from '../../../platform/events/sql.js';
import { lockStock } from './stock-locks.js';
import type { ReservationStatus, Shortage } from '../entities.js';

/**
 * Reserving stock for orders, the saga's first stock primitive (settling a
 * reservation afterwards: settlements.ts). Each primitive runs in one
 * transaction (the caller's when it has one, e.g. a Kafka handler's, which a
 * failure rolls back whole; no savepoint, which would cost two round trips),
 * locks the stock rows it touches in product_id order (so two orders over
 * the same products cannot deadlock), and is idempotent per order id: the
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

/** One order's request for stock. */
export interface ReservationRequest {
  orderId: string;
  lines: readonly RequestedLine[];
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
  const [outcome] = await reserveMany(em, [{ orderId, lines }]);
  return outcome!;
}

/**
 * `reserveAll` for several orders at once, with the same statements as for
 * one: the orders are served in the order given, each against the stock
 * the ones before it left (exactly as if reserved one after the other), and
 * their reservations, stock and refusals written together. Outcomes come
 * back in the order of the requests.
 */
export async function reserveMany(
  em: EntityManager,
  requests: readonly ReservationRequest[],
): Promise<ReservationOutcome[]> {
  const wanted = requests.map(({ orderId, lines }) => ({
    orderId: orderId.toLowerCase(),
    lines: normalizeLines(orderId, lines),
  }));
  return em.transactional(async (tx) => {
    // Claims the order ids: a concurrent duplicate waits here, then sees the claim.
    const claimedRows = await queryRows<{ order_id: string }>(
      tx,
      `INSERT INTO reservations (order_id, status)
       SELECT DISTINCT id, 'RESERVED' FROM unnest(ARRAY[?]::uuid[]) AS id
       ON CONFLICT (order_id) DO NOTHING
       RETURNING order_id`,
      [wanted.map((w) => w.orderId)],
    );
    const claimed = new Set(claimedRows.map((row) => row.order_id));
    // delete: an order asked twice is reserved once, the second sees the first.
    const mine = wanted.filter((w) => claimed.delete(w.orderId));
    const stock = await lockStock(tx, [
      ...new Set(mine.flatMap((w) => w.lines.map((l) => l.productId))),
    ]);

    const decided = new Map<string, ReservationOutcome>();
    const taken = new Map<string, number>();
    const reserved: { orderId: string; productId: string; quantity: number }[] = [];
    const rejected: { orderId: string; shortages: Shortage[] }[] = [];
    for (const { orderId, lines } of mine) {
      const shortages: Shortage[] = [];
      for (const line of lines) {
        const row = stock.get(line.productId);
        const available = row ? row.on_hand - row.reserved - (taken.get(line.productId) ?? 0) : 0;
        if (available < line.quantity) {
          shortages.push({ productId: line.productId, requested: line.quantity, available });
        }
      }
      if (shortages.length) {
        rejected.push({ orderId, shortages });
      } else {
        for (const line of lines) {
          taken.set(line.productId, (taken.get(line.productId) ?? 0) + line.quantity);
          reserved.push({ orderId, ...line });
        }
      }
      const status = shortages.length ? 'REJECTED' : 'RESERVED';
      decided.set(orderId, { orderId, status, shortages, changed: true, version: 1 });
    }

    if (mine.length) {
      const products = [...taken.keys()];
      // The stock, the reservations' lines and the refusals in one round trip.
      const [written] = await queryRows<{ products: number; rejected: number }>(
        tx,
        `WITH reserved AS (
           UPDATE stock_items s
              SET reserved = s.reserved + v.quantity, version = s.version + 1, updated_at = now()
             FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::int[]) AS v (product_id, quantity)
            WHERE s.product_id = v.product_id AND s.on_hand - s.reserved >= v.quantity
            RETURNING s.product_id
         ), lines AS (
           INSERT INTO reservation_lines (order_id, product_id, quantity)
           SELECT * FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::uuid[], ARRAY[?]::int[])
         ), rejected AS (
           UPDATE reservations r SET status = 'REJECTED', shortages = v.shortages::jsonb
             FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::text[]) AS v (order_id, shortages)
            WHERE r.order_id = v.order_id
            RETURNING r.order_id
         )
         SELECT (SELECT count(*)::int FROM reserved) AS products,
                (SELECT count(*)::int FROM rejected) AS rejected`,
        [
          products,
          products.map((id) => taken.get(id)!),
          reserved.map((l) => l.orderId),
          reserved.map((l) => l.productId),
          reserved.map((l) => l.quantity),
          rejected.map((r) => r.orderId),
          rejected.map((r) => JSON.stringify(r.shortages)),
        ],
      );
      // Impossible while the rows are locked; if it ever happens, roll everything back.
      if (written?.products !== products.length || written.rejected !== rejected.length) {
        throw new Error(
          `wrote ${written?.products} of ${products.length} stock rows and ${written?.rejected} of ${rejected.length} refusals under lock`,
        );
      }
    }
    const answers = wanted.map((w) => {
      const outcome = decided.get(w.orderId) ?? null;
      // The first request of an order took the decision; a repeat reads it below.
      decided.delete(w.orderId);
      return outcome;
    });
    const others = await unchangedMany(
      tx,
      wanted.filter((_, i) => !answers[i]).map((w) => w.orderId),
    );
    return answers.map((answer, i) => answer ?? others.get(wanted[i]!.orderId)!);
  }, joinOrBegin());
}

/** Where orders' reservations stand, for calls that found nothing to do. */
export async function unchangedMany(
  em: EntityManager,
  orderIds: readonly string[],
): Promise<Map<string, ReservationOutcome>> {
  if (orderIds.length === 0) return new Map();
  const rows = await queryRows<{
    order_id: string;
    status: ReservationStatus;
    shortages: Shortage[] | null;
    version: number;
  }>(em, 'SELECT order_id, status, shortages, version FROM reservations WHERE order_id IN (?)', [
    [...new Set(orderIds)],
  ]);
  const found = new Map(rows.map((row) => [row.order_id, row]));
  return new Map(
    orderIds.map((orderId) => {
      const row = found.get(orderId);
      return [
        orderId,
        {
          orderId,
          status: row?.status ?? null,
          shortages: row?.shortages ?? [],
          changed: false,
          version: row?.version ?? 0,
        },
      ];
    }),
  );
}
