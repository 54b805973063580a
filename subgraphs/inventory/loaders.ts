import type { EntityManager } from '@mikro-orm/postgresql';
import { batchById } from '../../platform/loaders.js';
import { findStockLevels } from './services/stock-levels.js';

/** Per request: every product's stock in one query, however many products the plan asks for. */
export function createLoaders(em: EntityManager) {
  return {
    stockByProductId: batchById(
      (ids) => findStockLevels(em, ids),
      (level) => level.productId,
    ),
  };
}
