import type { EntityManager } from '@mikro-orm/postgresql';
import { batchById, batchGroups } from '../../platform/loaders.js';
import { isUuid } from '../../platform/ids.js';
import { OrderLineSchema, OrderSchema } from './entities.js';

/** Per request: every order reference and every order's lines cost one query per request tick. */
export function createLoaders(em: EntityManager) {
  return {
    orderById: batchById(
      (ids) => em.find(OrderSchema, { id: { $in: ids.filter(isUuid) } }),
      (order) => order.id,
    ),
    linesByOrderId: batchGroups(
      (orderIds) =>
        em.find(
          OrderLineSchema,
          { orderId: { $in: [...orderIds] } },
          { orderBy: [{ orderId: 'asc' }, { lineNo: 'asc' }] },
        ),
      (line) => line.orderId,
    ),
  };
}

export type OrderLoaders = ReturnType<typeof createLoaders>;
