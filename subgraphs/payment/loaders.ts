import type { EntityManager } from '@mikro-orm/postgresql';
import { batchById } from '../../platform/loaders.js';
import { isUuid } from '../../platform/ids.js';
import { PaymentSchema } from './entities.js';

/** Per request: one query for all payments a plan asks for, by payment id or by order id. */
export function createLoaders(em: EntityManager) {
  return {
    paymentById: batchById(
      (ids) => em.find(PaymentSchema, { id: { $in: ids.filter(isUuid) } }),
      (payment) => payment.id,
    ),
    paymentByOrderId: batchById(
      (orderIds) => em.find(PaymentSchema, { orderId: { $in: orderIds.filter(isUuid) } }),
      (payment) => payment.orderId,
    ),
  };
}
