import type { EntityManager } from '@mikro-orm/postgresql';
import {
  traceOf,
  type ChunkHandlers,
  type EventEnvelope,
  type EventHandlers,
} from '../../../platform/events/index.js';
import type { PaymentService } from './payments.js';

/**
 * The payment's part of the order saga (docs: ARCHITECTURE.md, "The order
 * saga"). Handlers run in the consumer's transaction, with the inbox row.
 *
 * The payment is created when the order asks for it (its stock is
 * reserved), not when it is placed: an order cancelled before that (out of
 * stock, expired) never had a payment, and shows none. Order events of one
 * order arrive in order, so a cancellation is handled after the charge it
 * may have to undo.
 */
export function orderSagaHandlers(payments: PaymentService): {
  handlers: EventHandlers;
  chunkHandlers: ChunkHandlers;
} {
  /** Creates the orders' payments and charges them: a few statements for a whole chunk. */
  const charge = async (events: EventEnvelope<'order.awaiting_payment'>[], em: EntityManager) => {
    const pending = await payments.createPendings(
      em,
      events.map(({ data }) => ({
        orderId: data.orderId,
        customerId: data.customerId,
        amount: data.total,
        paymentMethod: data.paymentMethod,
      })),
    );
    await payments.chargeAll(
      em,
      events.map((event, i) => ({
        orderId: event.data.orderId,
        pending: pending[i],
        traceId: traceOf(event),
      })),
    );
  };
  return {
    handlers: {
      'order.awaiting_payment': (event, em) => charge([event], em),
      'order.cancelled': async (event, em) => {
        await payments.refund(em, event.data.orderId);
      },
    },
    chunkHandlers: { 'order.awaiting_payment': charge },
  };
}
