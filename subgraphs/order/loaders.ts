import type { EntityManager } from '@mikro-orm/postgresql';
import { batchById, batchGroups } from '../../platform/loaders.js';
import { findLines, findOrders } from './services/order-rows.js';

/** Per request: every order reference and every order's lines cost one query per request tick. */
export function createLoaders(em: EntityManager) {
  return {
    orderById: batchById(
      (ids) => findOrders(em, ids),
      (order) => order.id,
    ),
    linesByOrderId: batchGroups(
      (orderIds) => findLines(em, orderIds),
      (line) => line.orderId,
    ),
  };
}

export type OrderLoaders = ReturnType<typeof createLoaders>;
