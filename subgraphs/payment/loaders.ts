import type { EntityManager } from '@mikro-orm/postgresql';
import { batchById } from '../../platform/loaders.js';
import { findPayments } from './services/payment-rows.js';

/** Per request: one query for all payments a plan asks for, by payment id or by order id. */
export function createLoaders(em: EntityManager) {
  return {
    paymentById: batchById(
      (ids) => findPayments(em, 'id', ids),
      (payment) => payment.id,
    ),
    paymentByOrderId: batchById(
      (orderIds) => findPayments(em, 'order_id', orderIds),
      (payment) => payment.orderId,
    ),
  };
}
