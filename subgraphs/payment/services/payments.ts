import { TransactionPropagation, type EntityManager } from '@mikro-orm/postgresql';
import { isUuid, uuidv7 } from '../../../platform/ids.js';
import { recordEvent } from '../../../platform/events/index.js';
import { executeSql, queryRows } from '../../../platform/events/sql.js';
import { findPayments } from './payment-rows.js';
import type { Payment, PaymentStatus } from '../entities.js';
import type { Amount, ChargeResult, PaymentProcessor } from './processor.js';

/** What the order saga hands over when an order asks for payment. */
export interface NewPayment {
  orderId: string;
  customerId: string;
  amount: Amount;
  paymentMethod: string;
}

export interface PaymentOutcome {
  payment: Payment;
  /** False when the call found the work already done (or nothing to do). */
  changed: boolean;
}

/** A caller bug or an inconsistent event, never a customer's mistake: retrying cannot help. */
export class InvalidPaymentRequest extends Error {
  override name = 'InvalidPaymentRequest';
}

const MAX_AMOUNT = 2_147_483_647;

/**
 * Join the caller's transaction (a Kafka handler's, which a failure rolls
 * back whole), or start one: a savepoint would add two round trips and undo
 * nothing the caller would keep.
 */
const IN_TRANSACTION = { propagation: TransactionPropagation.REQUIRED };

const amountOf = (payment: Payment): Amount => ({
  amount: payment.amount,
  currency: payment.currency,
});

/**
 * The payment use cases the order saga drives. Each is idempotent per order:
 * the unique order id makes creation happen once, and every status change is
 * a compare-and-set (`WHERE status = …`) that records its event in the same
 * transaction, so a repeated call changes nothing and emits nothing.
 *
 * Processor calls happen before the transaction that records their outcome
 * and carry an idempotency key derived from the payment id: a crash between
 * the two makes the retry ask the processor again and get the same answer,
 * never a second charge.
 */
export class PaymentService {
  constructor(private readonly processor: PaymentProcessor) {}

  /** Creates the order's payment as PENDING, or returns the one it already has. */
  async createPending(em: EntityManager, input: NewPayment): Promise<Payment> {
    checkNewPayment(input);
    const orderId = input.orderId.toLowerCase();
    await executeSql(
      em,
      `INSERT INTO payments (id, order_id, customer_id, amount, currency, payment_method, status)
       VALUES (?, ?, ?, ?, ?, ?, 'PENDING')
       ON CONFLICT (order_id) DO NOTHING`,
      [
        uuidv7(),
        orderId,
        input.customerId.toLowerCase(),
        input.amount.amount,
        input.amount.currency,
        input.paymentMethod,
      ],
    );
    const payment = await this.mustFind(em, orderId);
    if (
      payment.customerId !== input.customerId.toLowerCase() ||
      payment.amount !== input.amount.amount ||
      payment.currency !== input.amount.currency ||
      payment.paymentMethod !== input.paymentMethod
    ) {
      throw new InvalidPaymentRequest(`order ${orderId} already has a payment on other terms`);
    }
    return payment;
  }

  /**
   * Charges a PENDING payment: SUCCEEDED, or FAILED with the processor's
   * reason, with payment.succeeded / payment.failed in the same transaction.
   * Any other status is left alone. `pending` is the payment as the caller
   * just read or created it in this transaction, which spares reading it again.
   */
  async charge(em: EntityManager, orderId: string, pending?: Payment): Promise<PaymentOutcome> {
    const payment =
      pending?.status === 'PENDING' && pending.orderId === orderId.toLowerCase()
        ? pending
        : await this.mustFind(em, orderId);
    if (payment.status !== 'PENDING') return { payment, changed: false };
    const result = await this.processor.charge({
      paymentId: payment.id,
      amount: amountOf(payment),
      paymentMethod: payment.paymentMethod,
      idempotencyKey: `charge:${payment.id}`,
    });
    return em.transactional(async (tx) => {
      const change = chargeChanges(result);
      const moved = await this.move(tx, payment.id, 'PENDING', change);
      if (moved === null) return { payment: await this.mustFind(tx, orderId), changed: false };
      const base = { orderId: payment.orderId, paymentId: payment.id, amount: amountOf(payment) };
      if (result.outcome === 'succeeded') {
        await recordEvent(tx, {
          type: 'payment.succeeded',
          aggregateId: payment.id,
          aggregateVersion: moved.version,
          data: base,
        });
      } else {
        await recordEvent(tx, {
          type: 'payment.failed',
          aggregateId: payment.id,
          aggregateVersion: moved.version,
          data: { ...base, failureReason: result.failureReason },
        });
      }
      return { payment: { ...payment, ...change, ...moved }, changed: true };
    }, IN_TRANSACTION);
  }

  /**
   * Gives a SUCCEEDED payment's money back (its order was cancelled) and
   * records payment.refunded. A payment that was never charged, failed, or is
   * refunded already is left alone; an order without a payment too.
   */
  async refund(em: EntityManager, orderId: string): Promise<PaymentOutcome | null> {
    const payment = await this.find(em, orderId);
    if (!payment || payment.status !== 'SUCCEEDED' || !payment.processorRef) {
      return payment ? { payment, changed: false } : null;
    }
    const { refundRef } = await this.processor.refund({
      processorRef: payment.processorRef,
      amount: amountOf(payment),
      idempotencyKey: `refund:${payment.id}`,
    });
    return em.transactional(async (tx) => {
      const moved = await this.move(tx, payment.id, 'SUCCEEDED', {
        status: 'REFUNDED',
        refundRef,
      });
      if (moved === null) return { payment: await this.mustFind(tx, orderId), changed: false };
      await recordEvent(tx, {
        type: 'payment.refunded',
        aggregateId: payment.id,
        aggregateVersion: moved.version,
        data: { orderId: payment.orderId, paymentId: payment.id, amount: amountOf(payment) },
      });
      return { payment: await this.mustFind(tx, orderId), changed: true };
    }, IN_TRANSACTION);
  }

  async find(em: EntityManager, orderId: string): Promise<Payment | null> {
    const [payment] = await findPayments(em, 'order_id', [orderId]);
    return payment ?? null;
  }

  private async mustFind(em: EntityManager, orderId: string): Promise<Payment> {
    const payment = await this.find(em, orderId);
    if (!payment) throw new InvalidPaymentRequest(`order ${orderId} has no payment`);
    return payment;
  }

  /** Compare-and-set of the status; the new version, or null when the payment had moved on. */
  private async move(
    em: EntityManager,
    paymentId: string,
    from: PaymentStatus,
    to: StatusChange,
  ): Promise<{ version: number } | null> {
    const [row] = await queryRows<{ version: number }>(
      em,
      `UPDATE payments
          SET status = ?,
              failure_reason = COALESCE(?, failure_reason),
              processor_ref = COALESCE(?, processor_ref),
              refund_ref = COALESCE(?, refund_ref),
              version = version + 1,
              updated_at = now()
        WHERE id = ? AND status = ?
        RETURNING version`,
      [
        to.status,
        to.failureReason ?? null,
        to.processorRef ?? null,
        to.refundRef ?? null,
        paymentId,
        from,
      ],
    );
    return row ? { version: row.version } : null;
  }
}

interface StatusChange {
  status: PaymentStatus;
  failureReason?: string;
  processorRef?: string;
  refundRef?: string;
}

function chargeChanges(result: ChargeResult): StatusChange {
  return result.outcome === 'succeeded'
    ? { status: 'SUCCEEDED', processorRef: result.processorRef }
    : { status: 'FAILED', failureReason: result.failureReason.slice(0, 100) };
}

function checkNewPayment(input: NewPayment): void {
  if (!isUuid(input.orderId)) throw new InvalidPaymentRequest('orderId must be a UUID');
  if (!isUuid(input.customerId)) throw new InvalidPaymentRequest('customerId must be a UUID');
  // GraphQL's Int (and the column) stop at 2^31 - 1 minor units.
  if (
    !Number.isInteger(input.amount.amount) ||
    input.amount.amount < 0 ||
    input.amount.amount > MAX_AMOUNT
  ) {
    throw new InvalidPaymentRequest(
      `amount must be an integer of minor units from 0 to ${MAX_AMOUNT}`,
    );
  }
  if (!/^[A-Z]{3}$/.test(input.amount.currency)) {
    throw new InvalidPaymentRequest('currency must be an ISO 4217 code');
  }
  // Only the shape the order service guarantees: which tokens work is the processor's call.
  if (!input.paymentMethod.startsWith('pm_') || input.paymentMethod.length > 100) {
    throw new InvalidPaymentRequest('paymentMethod must be a pm_ token of at most 100 characters');
  }
}
