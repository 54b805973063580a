import type { EntityManager } from '@mikro-orm/postgresql';
import { batchById } from '../../platform/loaders.js';
import type { CatalogReads } from './services/catalog-reads.js';

/**
 * Per request: every product id asked for in one tick (all `Product`
 * references of a query plan step, `product(id)`) becomes one cache round
 * trip and at most one SQL query.
 */
export function createLoaders(em: EntityManager, catalog: CatalogReads) {
  return {
    productById: batchById(
      (ids) => catalog.productsByIds(em, ids),
      (product) => product.id,
    ),
  };
}
