import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRowsByIds, rowDate } from '../../../platform/events/sql.js';
import type { Payment, PaymentStatus } from '../entities.js';

/**
 * Reading payments as plain SQL: every order page and every subscription
 * resolution asks for its orders' payments, and the ORM's find cost several
 * times the query itself (decision 17). Writes here are plain SQL too, so a
 * read always sees the row as it is now.
 */

interface PaymentRow {
  id: string;
  order_id: string;
  customer_id: string;
  amount: number;
  currency: string;
  payment_method: string;
  status: PaymentStatus;
  failure_reason: string | null;
  processor_ref: string | null;
  refund_ref: string | null;
  version: number;
  created_at: string | Date;
  updated_at: string | Date;
}

const paymentFromRow = (row: PaymentRow): Payment => ({
  id: row.id,
  orderId: row.order_id,
  customerId: row.customer_id,
  amount: row.amount,
  currency: row.currency,
  paymentMethod: row.payment_method,
  status: row.status,
  failureReason: row.failure_reason,
  processorRef: row.processor_ref,
  refundRef: row.refund_ref,
  version: row.version,
  createdAt: rowDate(row.created_at),
  updatedAt: rowDate(row.updated_at),
});

/** Payments whose `column` is one of `values` (malformed ids match nothing), on the caller's transaction. */
export async function findPayments(
  em: EntityManager,
  column: 'id' | 'order_id',
  values: readonly string[],
): Promise<Payment[]> {
  const rows = await queryRowsByIds<PaymentRow>(
    em,
    `SELECT id, order_id, customer_id, amount, currency, payment_method, status, failure_reason,
            processor_ref, refund_ref, version, created_at, updated_at
       FROM payments WHERE ${column} IN (?)`,
    values.map((id) => id.toLowerCase()),
  );
  return rows.map(paymentFromRow);
}
