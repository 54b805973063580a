import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Stock of one product. Rows appear when the catalogue announces a product
 * (product.created). Every write is a conditional UPDATE in SQL (see
 * services/): the CHECK constraints in the migration are the last line of
 * defence, never the rule the code relies on.
 */
export const StockItemSchema = defineEntity({
  name: 'StockItem',
  tableName: 'stock_items',
  properties: {
    productId: p.uuid().primary(),
    onHand: p.integer(),
    reserved: p.integer(),
    /** Raised by every change; the aggregate version of inventory events about the product. */
    version: p.integer(),
    /** Set when the catalogue archives the product; its stock stays visible and adjustable. */
    archivedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type StockItem = InferEntity<typeof StockItemSchema>;

export const RESERVATION_STATUSES = [
  'RESERVED',
  'REJECTED',
  'RELEASED',
  'COMMITTED',
  'RETURNED',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** A line that could not be covered when an order asked for stock. */
export interface Shortage {
  productId: string;
  requested: number;
  available: number;
}

/**
 * What the warehouse did for one order: one row per order id, so reserving,
 * releasing and committing are idempotent and each knows where it stands.
 */
export const ReservationSchema = defineEntity({
  name: 'Reservation',
  tableName: 'reservations',
  properties: {
    orderId: p.uuid().primary(),
    status: p.string().length(16).$type<ReservationStatus>(),
    /** Why a REJECTED reservation was refused; null otherwise. */
    shortages: p.json<Shortage[]>().nullable(),
    version: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Reservation = InferEntity<typeof ReservationSchema>;

/** Units of one product held (or taken) for one order: what release and commit give back. */
export const ReservationLineSchema = defineEntity({
  name: 'ReservationLine',
  tableName: 'reservation_lines',
  properties: {
    orderId: p.uuid().primary(),
    productId: p.uuid().primary(),
    quantity: p.integer(),
  },
});
export type ReservationLine = InferEntity<typeof ReservationLineSchema>;

/** A product as this subgraph knows it: only its id (the product subgraph owns the rest). */
export interface ProductRef {
  id: string;
}

/** Stock levels as the API shows them. */
export interface InventoryLevel {
  onHand: number;
  reserved: number;
  available: number;
  inStock: boolean;
}

export const entities = [StockItemSchema, ReservationSchema, ReservationLineSchema];
