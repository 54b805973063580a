import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const NOTIFICATION_KINDS = [
  'ORDER_CONFIRMED',
  'ORDER_CANCELLED',
  'ORDER_SHIPPED',
  'PAYMENT_REFUNDED',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * A notification as sent: one per event at most (`eventId` is unique), so a
 * redelivered event can never notify the customer twice.
 */
export const NotificationSchema = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  properties: {
    id: p.uuid().primary(),
    eventId: p.uuid().unique(),
    orderId: p.uuid().index(),
    customerId: p.uuid(),
    kind: p.string().length(32).$type<NotificationKind>(),
    /** Why the order was cancelled (the order's status reason); null for other kinds. */
    reason: p.string().length(32).nullable(),
    /** The sender that delivered it (`log`, `smtp`…). */
    channel: p.string().length(16),
    /** The customer's e-mail when the worker knows it (from user.registered); else addressed by customer id. */
    recipient: p.string().length(254).nullable(),
    subject: p.string().length(200),
    body: p.text(),
    sentAt: p.datetime(),
  },
});
export type Notification = InferEntity<typeof NotificationSchema>;

/** The worker's own copy of who can be written to, from user.registered: it never reads the user service. */
export const RecipientSchema = defineEntity({
  name: 'Recipient',
  tableName: 'recipients',
  properties: {
    userId: p.uuid().primary(),
    email: p.string().length(254),
    name: p.string().length(100),
  },
});
export type Recipient = InferEntity<typeof RecipientSchema>;

/** Which customer an order belongs to, from order.* events: payment events name only the order. */
export const OrderCustomerSchema = defineEntity({
  name: 'OrderCustomer',
  tableName: 'order_customers',
  properties: {
    orderId: p.uuid().primary(),
    customerId: p.uuid(),
  },
});
export type OrderCustomer = InferEntity<typeof OrderCustomerSchema>;

export const entities = [NotificationSchema, RecipientSchema, OrderCustomerSchema];
