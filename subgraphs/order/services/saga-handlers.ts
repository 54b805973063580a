import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../../platform/events/contracts.js';
import type { Logger } from '../../../platform/logger.js';
import { transition, type OrderEvent } from './order-state-machine.js';
import { applyTransitionTo } from './order-transitions.js';
import { readOrder } from './order-rows.js';

/**
 * Applies a saga event (stock or payment outcome) to its order, in one
 * statement when the transition table allows it (order-transitions.ts). A
 * transition the table refuses is a fact arriving too late (e.g. stock
 * reserved for an order the customer already cancelled): logged and
 * acknowledged, never retried. The services that own the side effects
 * (inventory releases, payment refunds) react to `order.cancelled`.
 */
export async function applySagaEvent(
  em: EntityManager,
  logger: Logger,
  orderId: string,
  event: OrderEvent,
  cause: EventEnvelope,
): Promise<void> {
  const advanced = await applyTransitionTo(em, orderId, event);
  if (advanced) {
    logger.info(
      { orderId, eventId: cause.id, type: cause.type, status: advanced.status },
      'order advanced by saga',
    );
    return;
  }
  const order = await readOrder(em, orderId);
  if (!order) {
    logger.warn({ orderId, eventId: cause.id, type: cause.type }, 'saga event for unknown order');
    return;
  }
  const decision = transition(order, event);
  if (decision.ok) {
    // It reached a status the event applies to after the UPDATE looked: the
    // consumer's retry applies it on fresh state.
    throw new Error(`order ${orderId} changed while the saga applied ${cause.type}`);
  }
  logger.info(
    { orderId, eventId: cause.id, type: cause.type, status: order.status },
    `ignored: ${decision.refusal}`,
  );
}

/** Handlers for `createConsumer`: stock and payment outcomes drive the order lifecycle. */
export function sagaHandlers(logger: Logger) {
  const log = logger.child({ component: 'order-saga' });
  return {
    'inventory.reserved': (event: EventEnvelope<'inventory.reserved'>, em: EntityManager) =>
      applySagaEvent(em, log, event.data.orderId, 'stockReserved', event),
    'inventory.rejected': (event: EventEnvelope<'inventory.rejected'>, em: EntityManager) =>
      applySagaEvent(em, log, event.data.orderId, 'stockRejected', event),
    'payment.succeeded': (event: EventEnvelope<'payment.succeeded'>, em: EntityManager) =>
      applySagaEvent(em, log, event.data.orderId, 'paymentSucceeded', event),
    'payment.failed': (event: EventEnvelope<'payment.failed'>, em: EntityManager) =>
      applySagaEvent(em, log, event.data.orderId, 'paymentFailed', event),
  };
}
