import type { EntityManager } from '@mikro-orm/postgresql';
import { executeSql } from '../../../platform/events/sql.js';
import type { Order } from '../entities.js';
import { findLines } from './order-rows.js';
import { transition, type OrderEvent } from './order-state-machine.js';
import { recordLifecycleEvent } from './order-events.js';

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
  // Only a cancellation's event carries the lines (inventory releases by them).
  const lines = decision.to === 'CANCELLED' ? await findLines(em, [order.id]) : [];
  await recordLifecycleEvent(em, updated, lines);
  return { kind: 'applied', order: updated };
}
