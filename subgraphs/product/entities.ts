import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * A catalogue entry. Prices are integer minor units with their ISO 4217
 * currency. Products are never deleted: orders keep referring to them, so
 * withdrawing one sets `archivedAt`. `version` rises by one on every change
 * and is the aggregate version of the product's events.
 */
export const ProductSchema = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    id: p.uuid().primary(),
    sku: p.string().length(64),
    name: p.string().length(200),
    description: p.text().nullable(),
    category: p.string().length(100),
    priceAmount: p.integer(),
    priceCurrency: p.string().length(3),
    archivedAt: p.datetime().nullable(),
    version: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Product = InferEntity<typeof ProductSchema>;

/**
 * A product as the API serves it: a plain, JSON-safe value rather than a
 * managed entity, because it travels through the Redis cache and comes back
 * from there without an EntityManager.
 */
export interface ProductRecord {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  priceAmount: number;
  priceCurrency: string;
  /** ISO 8601, or null while the product is active. */
  archivedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toProductRecord(product: Product): ProductRecord {
  return {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description ?? null,
    category: product.category,
    priceAmount: product.priceAmount,
    priceCurrency: product.priceCurrency,
    archivedAt: product.archivedAt ? product.archivedAt.toISOString() : null,
    version: product.version,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}

export const entities = [ProductSchema];
