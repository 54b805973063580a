import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent, type EventHandlers } from '../../../platform/events/index.js';
import {
  commit,
  reserveAll,
  undoForCancelledOrder,
  type ReservationOutcome,
} from './reservations.js';

/**
 * The inventory's part of the order saga (docs: ARCHITECTURE.md, "The order
 * saga"). Each handler runs in the consumer's transaction, with the inbox
 * row; it applies a stock primitive and records the outcome's event in that
 * same transaction. A primitive that finds its work already done
 * (`changed: false`) emits nothing: the event went out with the change.
 */
export const orderSagaHandlers: EventHandlers = {
  'order.placed': async (event, em) => {
    const { orderId, items } = event.data;
    const outcome = await reserveAll(em, orderId, items);
    if (!outcome.changed) return;
    if (outcome.status === 'RESERVED') {
      await emit(em, 'inventory.reserved', outcome);
    } else if (outcome.status === 'REJECTED') {
      await recordEvent(em, {
        type: 'inventory.rejected',
        aggregateId: orderId,
        aggregateVersion: outcome.version,
        data: { orderId, shortages: outcome.shortages },
      });
    }
  },

  'order.confirmed': async (event, em) => {
    const outcome = await commit(em, event.data.orderId);
    if (outcome.changed) await emit(em, 'inventory.committed', outcome);
  },

  'order.cancelled': async (event, em) => {
    const outcome = await undoForCancelledOrder(em, event.data.orderId);
    if (outcome.changed && outcome.status === 'RELEASED') {
      await emit(em, 'inventory.released', outcome);
    }
  },
};

async function emit(
  em: EntityManager,
  type: 'inventory.reserved' | 'inventory.committed' | 'inventory.released',
  outcome: ReservationOutcome,
): Promise<void> {
  await recordEvent(em, {
    type,
    aggregateId: outcome.orderId,
    aggregateVersion: outcome.version,
    data: { orderId: outcome.orderId },
  });
}
