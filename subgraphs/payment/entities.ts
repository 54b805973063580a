import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * The payment of one order (at most one: `order_id` is unique, which makes
 * creating it idempotent). It keeps the order's customer, so this subgraph
 * can decide who may see it without asking the order subgraph.
 */
export const PaymentSchema = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid().unique(),
    customerId: p.uuid().index(),
    /** Minor units of `currency`. */
    amount: p.integer(),
    currency: p.string().length(3),
    /** The processor's payment-method token (`pm_…`); a token, never card data. */
    paymentMethod: p.string().length(100),
    status: p.string().length(16).$type<PaymentStatus>(),
    failureReason: p.string().length(100).nullable(),
    /** The processor's id of the charge; what a refund names. */
    processorRef: p.string().length(100).nullable(),
    refundRef: p.string().length(100).nullable(),
    /** Raised by every change; the aggregate version of payment events. */
    version: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Payment = InferEntity<typeof PaymentSchema>;

/** An order as this subgraph knows it: only its id (the order subgraph owns the rest). */
export interface OrderRef {
  id: string;
}

export const entities = [PaymentSchema];
