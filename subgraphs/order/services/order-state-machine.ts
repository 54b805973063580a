import type { OrderStatus, OrderStatusReason } from '../entities.js';

/**
 * The order lifecycle as data. Each row says: in state `from`, the event
 * `on` moves the order to `to` (with a reason when it cancels). Any pair not
 * in the table is refused. This table is the documentation; the code below
 * only looks things up in it.
 *
 *   PENDING --stockReserved--> AWAITING_PAYMENT --paymentSucceeded--> CONFIRMED --shipped--> SHIPPED --delivered--> DELIVERED
 *      |                             |                                   |
 *      +--> CANCELLED                +--> CANCELLED                      +--customerCancelled--> CANCELLED
 */
export const ORDER_EVENTS = [
  'stockReserved',
  'stockRejected',
  'paymentSucceeded',
  'paymentFailed',
  'expired',
  'customerCancelled',
  'shipped',
  'delivered',
] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

export interface Transition {
  from: OrderStatus;
  on: OrderEvent;
  to: OrderStatus;
  reason: OrderStatusReason | null;
}

export const TRANSITIONS: readonly Transition[] = [
  { from: 'PENDING', on: 'stockReserved', to: 'AWAITING_PAYMENT', reason: null },
  { from: 'PENDING', on: 'stockRejected', to: 'CANCELLED', reason: 'OUT_OF_STOCK' },
  { from: 'PENDING', on: 'expired', to: 'CANCELLED', reason: 'EXPIRED' },
  { from: 'PENDING', on: 'customerCancelled', to: 'CANCELLED', reason: 'CUSTOMER_CANCELLED' },
  { from: 'AWAITING_PAYMENT', on: 'paymentSucceeded', to: 'CONFIRMED', reason: null },
  { from: 'AWAITING_PAYMENT', on: 'paymentFailed', to: 'CANCELLED', reason: 'PAYMENT_DECLINED' },
  { from: 'AWAITING_PAYMENT', on: 'expired', to: 'CANCELLED', reason: 'EXPIRED' },
  {
    from: 'AWAITING_PAYMENT',
    on: 'customerCancelled',
    to: 'CANCELLED',
    reason: 'CUSTOMER_CANCELLED',
  },
  { from: 'CONFIRMED', on: 'customerCancelled', to: 'CANCELLED', reason: 'CUSTOMER_CANCELLED' },
  { from: 'CONFIRMED', on: 'shipped', to: 'SHIPPED', reason: null },
  { from: 'SHIPPED', on: 'delivered', to: 'DELIVERED', reason: null },
];

/** Statuses with no way out: nothing more will happen to the order. */
export const FINAL_STATUSES: readonly OrderStatus[] = ['DELIVERED', 'CANCELLED'];

export type TransitionResult =
  | { ok: true; from: OrderStatus; to: OrderStatus; reason: OrderStatusReason | null }
  | { ok: false; refusal: string };

const EVENT_WORDING: Record<OrderEvent, string> = {
  stockReserved: 'reserve stock for',
  stockRejected: 'reject stock for',
  paymentSucceeded: 'confirm payment of',
  paymentFailed: 'decline payment of',
  expired: 'expire',
  customerCancelled: 'cancel',
  shipped: 'ship',
  delivered: 'deliver',
};

/** What `event` does to an order in its current status: the new status, or why it is refused. */
export function transition(order: { status: OrderStatus }, event: OrderEvent): TransitionResult {
  const row = TRANSITIONS.find((t) => t.from === order.status && t.on === event);
  if (!row) {
    return {
      ok: false,
      refusal: `Cannot ${EVENT_WORDING[event]} an order that is ${order.status}`,
    };
  }
  return { ok: true, from: row.from, to: row.to, reason: row.reason };
}
