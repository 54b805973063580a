import type { EntityManager } from '@mikro-orm/postgresql';
import { traceOf, type ChunkHandlers, type EventHandlers } from '../../../platform/events/index.js';
import type { EventEnvelope } from '../../../platform/events/contracts.js';
import type { Logger } from '../../../platform/logger.js';
import { transition, type OrderEvent } from './order-state-machine.js';
import { applyTransitionsTo } from './order-transitions.js';
import { findOrders } from './order-rows.js';

type SagaEventType =
  'inventory.reserved' | 'inventory.rejected' | 'payment.succeeded' | 'payment.failed';

/** What each stock or payment outcome is to an order. */
const ORDER_EVENT_FOR: Record<SagaEventType, OrderEvent> = {
  'inventory.reserved': 'stockReserved',
  'inventory.rejected': 'stockRejected',
  'payment.succeeded': 'paymentSucceeded',
  'payment.failed': 'paymentFailed',
};

/**
 * Applies saga events of one kind (stock or payment outcomes) to their
 * orders: one UPDATE for all of them where the transition table allows it
 * (order-transitions.ts), and one outbox statement for the new versions. A
 * transition the table refuses is a fact arriving too late (e.g. stock
 * reserved for an order the customer already cancelled): logged and
 * acknowledged, never retried. The services that own the side effects
 * (inventory releases, payment refunds) react to `order.cancelled`.
 */
export async function applySagaEvents(
  em: EntityManager,
  logger: Logger,
  causes: ReadonlyArray<EventEnvelope<SagaEventType>>,
): Promise<void> {
  const [first] = causes;
  if (!first) return;
  const event = ORDER_EVENT_FOR[first.type];
  const targets = new Map(
    causes.map((cause) => {
      const orderId = cause.data.orderId.toLowerCase();
      return [orderId, { orderId, traceId: traceOf(cause), cause }];
    }),
  );
  const advanced = await applyTransitionsTo(em, [...targets.values()], event);
  for (const order of advanced) {
    const { cause } = targets.get(order.id)!;
    logger.info(
      { orderId: order.id, eventId: cause.id, type: cause.type, status: order.status },
      'order advanced by saga',
    );
    targets.delete(order.id);
  }
  // What is left did not move: too late for its order, or no such order.
  const others = [...targets.values()];
  if (others.length === 0) return;
  const found = new Map(
    (
      await findOrders(
        em,
        others.map((t) => t.orderId),
      )
    ).map((o) => [o.id, o]),
  );
  for (const { orderId, cause } of others) {
    const order = found.get(orderId);
    const context = { orderId, eventId: cause.id, type: cause.type };
    if (!order) {
      logger.warn(context, 'saga event for unknown order');
      continue;
    }
    const decision = transition(order, event);
    if (decision.ok) {
      // It reached a status the event applies to after the UPDATE looked: the
      // consumer's retry applies it on fresh state.
      throw new Error(`order ${orderId} changed while the saga applied ${cause.type}`);
    }
    logger.info({ ...context, status: order.status }, `ignored: ${decision.refusal}`);
  }
}

/** Stock and payment outcomes drive the order lifecycle: a handler per event, and one per chunk of them. */
export function sagaHandlers(logger: Logger) {
  const log = logger.child({ component: 'order-saga' });
  const one = (event: EventEnvelope<SagaEventType>, em: EntityManager) =>
    applySagaEvents(em, log, [event]);
  const many = (events: EventEnvelope<SagaEventType>[], em: EntityManager) =>
    applySagaEvents(em, log, events);
  return {
    handlers: {
      'inventory.reserved': one,
      'inventory.rejected': one,
      'payment.succeeded': one,
      'payment.failed': one,
    } satisfies EventHandlers,
    chunkHandlers: {
      'inventory.reserved': many,
      'inventory.rejected': many,
      'payment.succeeded': many,
      'payment.failed': many,
    } satisfies ChunkHandlers,
  };
}
