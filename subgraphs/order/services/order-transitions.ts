import type { EntityManager } from '@mikro-orm/postgresql';
import { executeSql } from '../../../platform/events/sql.js';
import type { Order } from '../entities.js';
import { findLines, updateOrders } from './order-rows.js';
import { TRANSITIONS, transition, type OrderEvent } from './order-state-machine.js';
import { recordLifecycleEvents } from './order-events.js';

export type TransitionOutcome =
  | { kind: 'applied'; order: Order }
  /** The table has no such transition from the order's status. */
  | { kind: 'refused'; order: Order; refusal: string }
  /** Someone else changed the order between our read and our write: re-read and decide again. */
  | { kind: 'conflict' };

/**
 * Applies `event` to the order as read, inside the caller's transaction: the
 * transition table decides, a compare-and-set UPDATE (same status, same
 * version) applies it, and the lifecycle event of the new version is recorded
 * in the same transaction. Every applied change raises version by one and
 * sets updatedAt.
 */
export async function applyTransition(
  em: EntityManager,
  order: Order,
  event: OrderEvent,
): Promise<TransitionOutcome> {
  const decision = transition(order, event);
  if (!decision.ok) return { kind: 'refused', order, refusal: decision.refusal };

  const updatedAt = new Date();
  const changed = await executeSql(
    em,
    `UPDATE orders SET status = ?, status_reason = ?, version = ?, updated_at = ?
      WHERE id = ? AND status = ? AND version = ?`,
    [
      decision.to,
      decision.reason,
      order.version + 1,
      updatedAt,
      order.id,
      decision.from,
      order.version,
    ],
  );
  if (changed === 0) return { kind: 'conflict' };

  const updated: Order = {
    ...order,
    status: decision.to,
    statusReason: decision.reason,
    version: order.version + 1,
    updatedAt,
  };
  await recordTransitions(em, [updated]);
  return { kind: 'applied', order: updated };
}

/**
 * Per event, the UPDATE that applies it to an order in whichever status the
 * table moves on that event (the table's rows for it, as VALUES): built once
 * per event, so each is one prepared statement.
 */
const transitionUpdates = new Map<OrderEvent, { sql: string; values: unknown[] }>();

function transitionUpdate(event: OrderEvent) {
  let update = transitionUpdates.get(event);
  if (!update) {
    const rows = TRANSITIONS.filter((t) => t.on === event);
    update = {
      sql: `SET status = t.to_status, status_reason = t.to_reason, version = o.version + 1,
                updated_at = ?
              FROM (VALUES ${rows.map(() => '(?::text, ?::text, ?::text)').join(', ')})
                AS t (from_status, to_status, to_reason)
             WHERE o.id IN (?) AND o.status = t.from_status`,
      values: rows.flatMap((t) => [t.from, t.to, t.reason]),
    };
    transitionUpdates.set(event, update);
  }
  return update;
}

/**
 * Applies `event` to the order in one statement where the table allows it
 * from the order's current status, and records the new version's event. The
 * UPDATE locks the row and checks the status on the row as it is then, so no
 * concurrent change can slip between the check and the write. Null when
 * nothing changed: no such order, or the table refuses the event from its
 * status (the caller reads the order to say which).
 */
export async function applyTransitionTo(
  em: EntityManager,
  orderId: string,
  event: OrderEvent,
): Promise<Order | null> {
  const [updated] = await applyTransitionsTo(em, [{ orderId }], event);
  return updated ?? null;
}

/** An order an event is to be applied to, and the trace its new event continues (default: the running one). */
export interface TransitionTarget {
  orderId: string;
  traceId?: string;
}

/**
 * `applyTransitionTo` for several orders at once (a consumer's chunk of one
 * event type): one UPDATE and one outbox statement for all of them. Answers
 * the orders that moved; the others had no transition from their status or
 * do not exist.
 */
export async function applyTransitionsTo(
  em: EntityManager,
  targets: readonly TransitionTarget[],
  event: OrderEvent,
): Promise<Order[]> {
  const { sql, values } = transitionUpdate(event);
  const ids = targets.map((t) => t.orderId.toLowerCase());
  const updated = await updateOrders(em, sql, [new Date(), ...values, ids]);
  if (updated.length > 0) {
    const traces = new Map(targets.map((t) => [t.orderId.toLowerCase(), t.traceId]));
    await recordTransitions(em, updated, traces);
  }
  return updated;
}

/** The lifecycle events of the versions transitions reached, in one statement. */
async function recordTransitions(
  em: EntityManager,
  orders: readonly Order[],
  traces: ReadonlyMap<string, string | undefined> = new Map(),
): Promise<void> {
  // Only a cancellation's event carries the lines (inventory releases by them).
  const cancelled = orders.filter((o) => o.status === 'CANCELLED').map((o) => o.id);
  const lines = cancelled.length > 0 ? await findLines(em, cancelled) : [];
  await recordLifecycleEvents(
    em,
    orders.map((order) => ({
      order,
      lines: lines.filter((line) => line.orderId === order.id),
      traceId: traces.get(order.id),
    })),
  );
}
