import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OrderLineSchema, OrderSchema, type Order } from '../entities.js';
import { transition, type OrderEvent } from './order-state-machine.js';
import { recordLifecycleEvent } from './order-events.js';

export type TransitionOutcome =
  | { kind: 'applied'; order: Order }
  /** The table has no such transition from the order's status. */
  | { kind: 'refused'; order: Order; refusal: string }
  /** Someone else changed the order between our read and our write: re-read and decide again. */
  | { kind: 'conflict' };

/**
 * Reads an order as the database has it now, outside the identity map: a
 * transition must be decided on the current row, never on a cached copy.
 * With `lock`, the row stays locked until the transaction ends (consumers and
 * the expiry job use it so their compare-and-set cannot lose a race).
 */
export async function readOrder(
  em: EntityManager,
  id: string,
  lock: 'none' | 'lock' | 'skipLocked' = 'none',
): Promise<Order | null> {
  return em.findOne(
    OrderSchema,
    { id },
    {
      disableIdentityMap: true,
      ...(lock === 'lock' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}),
      ...(lock === 'skipLocked' ? { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE } : {}),
    },
  );
}

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
  const changed = await em.nativeUpdate(
    OrderSchema,
    { id: order.id, status: decision.from, version: order.version },
    {
      status: decision.to,
      statusReason: decision.reason,
      version: order.version + 1,
      updatedAt,
    },
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
  const lines =
    decision.to === 'CANCELLED'
      ? await em.find(
          OrderLineSchema,
          { orderId: order.id },
          { orderBy: { lineNo: 'asc' }, disableIdentityMap: true },
        )
      : [];
  await recordLifecycleEvent(em, updated, lines);
  return { kind: 'applied', order: updated };
}
