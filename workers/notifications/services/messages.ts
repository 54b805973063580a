import type { EventEnvelope, EventType } from '../../../platform/events/contracts.js';
import type { NotificationKind } from '../entities.js';

/**
 * Which events a customer hears about, and what they are told. Pure: the
 * handler adds who and how. Everything not listed here yields nothing.
 */

export interface NotificationDraft {
  kind: NotificationKind;
  orderId: string;
  /** Null when the event does not name the customer (payment events): the handler looks it up. */
  customerId: string | null;
  reason: string | null;
  subject: string;
  body: string;
}

const REASON_TEXT: Record<string, string> = {
  OUT_OF_STOCK: 'some items were out of stock',
  PAYMENT_DECLINED: 'the payment was declined',
  EXPIRED: 'it was not paid in time',
  CUSTOMER_CANCELLED: 'you cancelled it',
};

/** `1999` + `EUR` → `19.99 EUR`; minor units are two digits for the currencies sold here. */
export function formatMoney(amount: { amount: number; currency: string }): string {
  return `${(amount.amount / 100).toFixed(2)} ${amount.currency}`;
}

/** A short, stable reference customers can quote: the order id's last 8 characters. */
export function orderReference(orderId: string): string {
  return orderId.slice(-8).toUpperCase();
}

export function draftFor(event: EventEnvelope<EventType>): NotificationDraft | null {
  switch (event.type) {
    case 'order.confirmed': {
      const { orderId, customerId } = (event as EventEnvelope<'order.confirmed'>).data;
      const ref = orderReference(orderId);
      return {
        kind: 'ORDER_CONFIRMED',
        orderId,
        customerId,
        reason: null,
        subject: `Order ${ref} confirmed`,
        body: `Thank you: your payment went through and order ${ref} is confirmed. We will tell you when it ships.`,
      };
    }
    case 'order.cancelled': {
      const { orderId, customerId, statusReason } = (event as EventEnvelope<'order.cancelled'>)
        .data;
      const ref = orderReference(orderId);
      const why = statusReason ? ` because ${REASON_TEXT[statusReason] ?? statusReason}` : '';
      return {
        kind: 'ORDER_CANCELLED',
        orderId,
        customerId,
        reason: statusReason,
        subject: `Order ${ref} cancelled`,
        body: `Order ${ref} was cancelled${why}.`,
      };
    }
    case 'order.shipped': {
      const { orderId, customerId } = (event as EventEnvelope<'order.shipped'>).data;
      const ref = orderReference(orderId);
      return {
        kind: 'ORDER_SHIPPED',
        orderId,
        customerId,
        reason: null,
        subject: `Order ${ref} shipped`,
        body: `Order ${ref} is on its way.`,
      };
    }
    case 'payment.refunded': {
      const { orderId, amount } = (event as EventEnvelope<'payment.refunded'>).data;
      const ref = orderReference(orderId);
      return {
        kind: 'PAYMENT_REFUNDED',
        orderId,
        customerId: null,
        reason: null,
        subject: `Refund for order ${ref}`,
        body: `We refunded ${formatMoney(amount)} for order ${ref} to your original payment method.`,
      };
    }
    default:
      return null;
  }
}
