import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventHandlers } from '../../../platform/events/index.js';

/** The part of a catalogue event this subgraph needs. */
export interface CatalogProduct {
  productId: string;
  active: boolean;
}

/**
 * Learns a product from the catalogue's events (created, updated, archived):
 * the first one creates its stock row with nothing on hand; every one keeps
 * `archived_at` in line with the snapshot. Safe to apply twice and in any
 * order of delivery, since each event carries the whole state.
 */
export async function applyCatalogProduct(
  em: EntityManager,
  product: CatalogProduct,
): Promise<void> {
  await em.execute(
    `INSERT INTO stock_items (product_id, archived_at)
     VALUES (?, CASE WHEN ? THEN NULL ELSE now() END)
     ON CONFLICT (product_id) DO UPDATE
       SET archived_at = CASE WHEN ? THEN NULL
                              ELSE COALESCE(stock_items.archived_at, now()) END`,
    [product.productId, product.active, product.active],
  );
}

/** Consumer handlers: the catalogue's events keep the set of known products current. */
export const catalogHandlers: EventHandlers = {
  'product.created': (event, em) => applyCatalogProduct(em, event.data),
  'product.updated': (event, em) => applyCatalogProduct(em, event.data),
  'product.archived': (event, em) => applyCatalogProduct(em, event.data),
};
