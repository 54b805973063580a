import type { EventHandlers } from '../../../platform/events/index.js';
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
export function orderSagaHandlers(payments: PaymentService): EventHandlers {
  return {
    'order.awaiting_payment': async (event, em) => {
      const { orderId, customerId, total, paymentMethod } = event.data;
      const pending = await payments.createPending(em, {
        orderId,
        customerId,
        amount: total,
        paymentMethod,
      });
      await payments.charge(em, orderId, pending);
    },

    'order.cancelled': async (event, em) => {
      await payments.refund(em, event.data.orderId);
    },
  };
}
