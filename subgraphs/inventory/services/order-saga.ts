import type { EntityManager } from '@mikro-orm/postgresql';
import {
  recordEvents,
  traceOf,
  type ChunkHandlers,
  type EventEnvelope,
  type EventHandlers,
  type NewEvent,
} from '../../../platform/events/index.js';
import { reserveMany, type ReservationOutcome } from './reservations.js';
import { commitMany, undoForCancelledOrder } from './settlements.js';

/**
 * The inventory's part of the order saga (docs: ARCHITECTURE.md, "The order
 * saga"). Handlers run in the consumer's transaction, with the inbox row;
 * they apply a stock primitive and record the outcome's event in that same
 * transaction. A primitive that finds its work already done
 * (`changed: false`) emits nothing: the event went out with the change.
 *
 * Under load the consumer hands a chunk of orders' events over at once
 * (decision 26): a chunk of placed orders is reserved, and a chunk of
 * confirmed ones committed, with the statements of one. A single event goes
 * through the same functions as a chunk of one.
 */

/** Reserves the orders' stock, in the order the events came, and says how each went. */
async function reserve(events: EventEnvelope<'order.placed'>[], em: EntityManager) {
  const outcomes = await reserveMany(
    em,
    events.map(({ data }) => ({ orderId: data.orderId, lines: data.items })),
  );
  await recordOutcomes(em, events, outcomes, (outcome) =>
    outcome.status === 'REJECTED'
      ? {
          type: 'inventory.rejected',
          data: { orderId: outcome.orderId, shortages: outcome.shortages },
        }
      : outcome.status === 'RESERVED'
        ? { type: 'inventory.reserved', data: { orderId: outcome.orderId } }
        : null,
  );
}

/** Takes paid orders' units out of stock for good. */
async function commitPaid(events: EventEnvelope<'order.confirmed'>[], em: EntityManager) {
  const outcomes = await commitMany(
    em,
    events.map(({ data }) => data.orderId),
  );
  await recordOutcomes(em, events, outcomes, (outcome) => ({
    type: 'inventory.committed',
    data: { orderId: outcome.orderId },
  }));
}

type OutcomeType =
  'inventory.reserved' | 'inventory.rejected' | 'inventory.committed' | 'inventory.released';
/** The event an outcome is told with, but for what every outcome's event has. */
type Outcome = { [T in OutcomeType]: Pick<NewEvent<T>, 'type' | 'data'> }[OutcomeType];

/** Records, in one statement, the event of each outcome that changed something. */
async function recordOutcomes(
  em: EntityManager,
  causes: readonly EventEnvelope[],
  outcomes: readonly ReservationOutcome[],
  eventOf: (outcome: ReservationOutcome) => Outcome | null,
): Promise<void> {
  const events: NewEvent<OutcomeType>[] = [];
  outcomes.forEach((outcome, i) => {
    const event = outcome.changed ? eventOf(outcome) : null;
    if (!event) return;
    events.push({
      ...event,
      aggregateId: outcome.orderId,
      aggregateVersion: outcome.version,
      traceId: traceOf(causes[i]!),
    });
  });
  await recordEvents(em, events);
}

export const orderSaga: { handlers: EventHandlers; chunkHandlers: ChunkHandlers } = {
  handlers: {
    'order.placed': (event, em) => reserve([event], em),
    'order.confirmed': (event, em) => commitPaid([event], em),
    'order.cancelled': async (event, em) => {
      const outcome = await undoForCancelledOrder(em, event.data.orderId);
      if (outcome.status !== 'RELEASED') return;
      await recordOutcomes(em, [event], [outcome], () => ({
        type: 'inventory.released',
        data: { orderId: outcome.orderId },
      }));
    },
  },
  chunkHandlers: { 'order.placed': reserve, 'order.confirmed': commitPaid },
};
