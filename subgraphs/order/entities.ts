import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ORDER_STATUSES, ORDER_STATUS_REASONS } from '../../platform/events/contracts.js';

export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type OrderStatusReason = (typeof ORDER_STATUS_REASONS)[number];

/**
 * An order. Status, reason and version change only through the transition
 * table (services/order-state-machine.ts) with a compare-and-set UPDATE, never
 * through the unit of work, so two writers can never both apply a change.
 */
export const OrderSchema = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: p.uuid().primary(),
    customerId: p.uuid(),
    status: p.enum([...ORDER_STATUSES]),
    statusReason: p.enum([...ORDER_STATUS_REASONS]).nullable(),
    version: p.integer(),
    totalAmount: p.integer(),
    currency: p.string().length(3),
    shippingLine1: p.string().length(200),
    shippingCity: p.string().length(100),
    shippingPostalCode: p.string().length(20),
    shippingCountry: p.string().length(2),
    paymentMethod: p.string().length(100),
    idempotencyKey: p.string().length(100),
    /** SHA-256 of the normalized request, to tell a retry from a different order under a reused key. */
    requestFingerprint: p.string().length(64),
    /** After this instant an order still waiting for stock or payment is cancelled as EXPIRED. */
    expiresAt: p.datetime(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Order = InferEntity<typeof OrderSchema>;

/** One line of an order with the unit price the catalogue had when it was placed. */
export const OrderLineSchema = defineEntity({
  name: 'OrderLine',
  tableName: 'order_lines',
  properties: {
    orderId: p.uuid().primary(),
    /** Position in the order as the customer listed it, from 0. */
    lineNo: p.smallint().primary(),
    productId: p.uuid(),
    quantity: p.integer(),
    unitPriceAmount: p.integer(),
    currency: p.string().length(3),
  },
});
export type OrderLine = InferEntity<typeof OrderLineSchema>;

/**
 * The order service's own copy of what it needs from the catalogue, fed by
 * product events: placeOrder prices lines from here, never from the client
 * and never with a synchronous call to the product subgraph.
 */
export const CatalogProductSchema = defineEntity({
  name: 'CatalogProduct',
  tableName: 'catalog_products',
  properties: {
    productId: p.uuid().primary(),
    // Unbounded: the product subgraph owns the limits; a projection must never refuse its facts.
    sku: p.text(),
    name: p.text(),
    priceAmount: p.integer(),
    priceCurrency: p.string().length(3),
    /** False once archived: the product can no longer be ordered. */
    active: p.boolean(),
    /** aggregateVersion of the product event this row reflects; older events are ignored. */
    version: p.integer(),
    updatedAt: p.datetime(),
  },
});
export type CatalogProduct = InferEntity<typeof CatalogProductSchema>;

export const entities = [OrderSchema, OrderLineSchema, CatalogProductSchema];
