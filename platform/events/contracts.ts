import { z } from 'zod';

/**
 * Every event the services exchange, defined once: producers and consumers
 * import the same schema and type, so a contract cannot drift between them.
 * An event type is `<domain>.<fact>`; it is published on the domain's topic
 * (`<domain>.events`), keyed by its aggregate id so one aggregate's events
 * stay in order. Changing a schema incompatibly means a new event version.
 */

const money = z.object({ amount: z.number().int(), currency: z.string().length(3) });
const uuid = z.string().uuid();

const productSnapshot = z.object({
  productId: uuid,
  sku: z.string(),
  name: z.string(),
  category: z.string(),
  price: money,
  active: z.boolean(),
});

const orderLine = z.object({
  productId: uuid,
  quantity: z.number().int().positive(),
  unitPrice: money,
});

export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'CONFIRMED',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
] as const;
export const ORDER_STATUS_REASONS = [
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'EXPIRED',
  'CUSTOMER_CANCELLED',
] as const;

/** Carried by every order lifecycle event: enough for subscriptions and notifications. */
const orderLifecycle = z.object({
  orderId: uuid,
  customerId: uuid,
  status: z.enum(ORDER_STATUSES),
  statusReason: z.enum(ORDER_STATUS_REASONS).nullable(),
  version: z.number().int().positive(),
});

export const eventSchemas = {
  'user.registered': z.object({ userId: uuid, email: z.string(), name: z.string() }),

  'product.created': productSnapshot,
  'product.updated': productSnapshot,
  'product.archived': productSnapshot,

  'order.placed': orderLifecycle.extend({
    items: z.array(orderLine).min(1),
    total: money,
    paymentMethod: z.string(),
  }),
  'order.awaiting_payment': orderLifecycle.extend({ total: money, paymentMethod: z.string() }),
  'order.confirmed': orderLifecycle,
  'order.cancelled': orderLifecycle.extend({
    /** Whether stock was reserved for it and must be released or returned. */
    items: z.array(orderLine),
  }),
  'order.shipped': orderLifecycle,
  'order.delivered': orderLifecycle,

  'inventory.reserved': z.object({ orderId: uuid }),
  'inventory.rejected': z.object({
    orderId: uuid,
    /** Lines that could not be covered, for diagnostics. */
    shortages: z.array(
      z.object({ productId: uuid, requested: z.number().int(), available: z.number().int() }),
    ),
  }),
  'inventory.released': z.object({ orderId: uuid }),
  'inventory.committed': z.object({ orderId: uuid }),
  'inventory.adjusted': z.object({
    productId: uuid,
    onHand: z.number().int(),
    reserved: z.number().int(),
  }),

  'payment.succeeded': z.object({ orderId: uuid, paymentId: uuid, amount: money }),
  'payment.failed': z.object({
    orderId: uuid,
    paymentId: uuid,
    amount: money,
    failureReason: z.string(),
  }),
  'payment.refunded': z.object({ orderId: uuid, paymentId: uuid, amount: money }),
} as const;

export type EventType = keyof typeof eventSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;

export const DOMAINS = ['user', 'product', 'order', 'inventory', 'payment'] as const;
export type Domain = (typeof DOMAINS)[number];

export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  occurredAt: string;
  aggregateId: string;
  aggregateVersion: number;
  traceId: string | null;
  data: EventData<T>;
}

export const envelopeSchema = z.object({
  id: uuid,
  type: z.string(),
  occurredAt: z.string(),
  aggregateId: z.string().min(1),
  aggregateVersion: z.number().int().nonnegative(),
  traceId: z.string().nullable(),
  data: z.unknown(),
});

export function domainOf(type: EventType): Domain {
  return type.slice(0, type.indexOf('.')) as Domain;
}

/** The topic a domain's events are published on, before the deployment's prefix. */
export function topicOf(domain: Domain): string {
  return `${domain}.events`;
}

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(eventSchemas, type);
}

/** Parses and validates a raw message value; throws with a readable reason when it breaks its contract. */
export function parseEnvelope(raw: Buffer | string | null): EventEnvelope {
  if (raw === null) throw new Error('message has no value');
  const envelope = envelopeSchema.parse(JSON.parse(raw.toString()));
  if (!isEventType(envelope.type)) throw new Error(`unknown event type ${envelope.type}`);
  const data = eventSchemas[envelope.type].parse(envelope.data);
  return { ...envelope, type: envelope.type, data } as EventEnvelope;
}
