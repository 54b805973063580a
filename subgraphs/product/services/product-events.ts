import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../../../platform/events/index.js';
import type { EventData } from '../../../platform/events/contracts.js';
import type { Product } from '../entities.js';

export type ProductEventType = 'product.created' | 'product.updated' | 'product.archived';

/**
 * Every product event carries the full snapshot after the change: the order
 * service's price projection and inventory replace what they hold with it,
 * and drop snapshots older than their `aggregateVersion`.
 */
export function productSnapshot(product: Product): EventData<'product.updated'> {
  return {
    productId: product.id,
    sku: product.sku,
    name: product.name,
    category: product.category,
    price: { amount: product.priceAmount, currency: product.priceCurrency },
    active: product.archivedAt === null || product.archivedAt === undefined,
  };
}

/** Records the event in the caller's transaction (`em` from `em.transactional`). */
export async function recordProductEvent(
  em: EntityManager,
  type: ProductEventType,
  product: Product,
): Promise<void> {
  await recordEvent(em, {
    type,
    aggregateId: product.id,
    aggregateVersion: product.version,
    data: productSnapshot(product),
  });
}
