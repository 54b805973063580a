import type { EntityManager } from '@mikro-orm/postgresql';
import { joinOrBegin } from '../../../platform/db.js';
import { isUuid, uuidv7 } from '../../../platform/ids.js';
import { recordEvent, recordEvents, type NewEvent } from '../../../platform/events/index.js';
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
    const [payment] = await this.createPendings(em, [input]);
    return payment!;
  }

  /**
   * `createPending` for several orders in two statements (one INSERT, one
   * read), answering the payments in the order of `inputs`. Each order has
   * one payment: one it already has on other terms is refused.
   */
  async createPendings(em: EntityManager, inputs: readonly NewPayment[]): Promise<Payment[]> {
    for (const input of inputs) checkNewPayment(input);
    const rows = inputs.map((input) => ({
      ...input,
      orderId: input.orderId.toLowerCase(),
      customerId: input.customerId.toLowerCase(),
    }));
    await executeSql(
      em,
      `INSERT INTO payments (id, order_id, customer_id, amount, currency, payment_method, status)
       SELECT p.id, p.order_id, p.customer_id, p.amount, p.currency, p.payment_method, 'PENDING'
       FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::uuid[], ARRAY[?]::uuid[], ARRAY[?]::int[],
                   ARRAY[?]::text[], ARRAY[?]::text[])
            AS p (id, order_id, customer_id, amount, currency, payment_method)
       ON CONFLICT (order_id) DO NOTHING`,
      [
        rows.map(() => uuidv7()),
        rows.map((r) => r.orderId),
        rows.map((r) => r.customerId),
        rows.map((r) => r.amount.amount),
        rows.map((r) => r.amount.currency),
        rows.map((r) => r.paymentMethod),
      ],
    );
    const found = await this.byOrder(
      em,
      rows.map((r) => r.orderId),
    );
    return rows.map((input) => {
      const payment = found.get(input.orderId);
      if (!payment) throw new InvalidPaymentRequest(`order ${input.orderId} has no payment`);
      if (
        payment.customerId !== input.customerId ||
        payment.amount !== input.amount.amount ||
        payment.currency !== input.amount.currency ||
        payment.paymentMethod !== input.paymentMethod
      ) {
        throw new InvalidPaymentRequest(
          `order ${input.orderId} already has a payment on other terms`,
        );
      }
      return payment;
    });
  }

  /**
   * Charges a PENDING payment: SUCCEEDED, or FAILED with the processor's
   * reason, with payment.succeeded / payment.failed in the same transaction.
   * Any other status is left alone. `pending` is the payment as the caller
   * just read or created it in this transaction, which spares reading it again.
   */
  async charge(em: EntityManager, orderId: string, pending?: Payment): Promise<PaymentOutcome> {
    const [outcome] = await this.chargeAll(em, [{ orderId, pending }]);
    return outcome!;
  }

  /**
   * `charge` for several orders: the processor is asked for each PENDING
   * payment (at once), then one UPDATE and one outbox statement record every
   * outcome. Answers in the order of `charges`; each recorded event
   * continues its charge's `traceId` (default: the running trace).
   */
  async chargeAll(
    em: EntityManager,
    charges: ReadonlyArray<{ orderId: string; pending?: Payment; traceId?: string }>,
  ): Promise<PaymentOutcome[]> {
    const known = (c: (typeof charges)[number]) =>
      c.pending?.status === 'PENDING' && c.pending.orderId === c.orderId.toLowerCase()
        ? c.pending
        : undefined;
    const unread = charges.filter((c) => !known(c)).map((c) => c.orderId.toLowerCase());
    const read = unread.length > 0 ? await this.byOrder(em, unread) : new Map<string, Payment>();
    const payments = charges.map((c) => {
      const payment = known(c) ?? read.get(c.orderId.toLowerCase());
      if (!payment) throw new InvalidPaymentRequest(`order ${c.orderId} has no payment`);
      return { payment, traceId: c.traceId };
    });
    // Each PENDING payment once, however often its order is listed.
    const toCharge = [
      ...new Map(
        payments
          .filter(({ payment }) => payment.status === 'PENDING')
          .map((entry) => [entry.payment.id, entry]),
      ).values(),
    ];
    if (toCharge.length === 0) return payments.map(({ payment }) => ({ payment, changed: false }));
    const results = await Promise.all(
      toCharge.map(({ payment }) =>
        this.processor.charge({
          paymentId: payment.id,
          amount: amountOf(payment),
          paymentMethod: payment.paymentMethod,
          idempotencyKey: `charge:${payment.id}`,
        }),
      ),
    );
    return em.transactional(async (tx) => {
      const changes = new Map(
        toCharge.map(({ payment }, i) => [payment.id, chargeChanges(results[i]!)]),
      );
      const moved = await this.move(tx, 'PENDING', changes);
      const events: NewEvent<'payment.succeeded' | 'payment.failed'>[] = [];
      for (const { payment, traceId } of toCharge) {
        const version = moved.get(payment.id);
        if (version === undefined) continue;
        const base = { orderId: payment.orderId, paymentId: payment.id, amount: amountOf(payment) };
        const change = changes.get(payment.id)!;
        events.push(
          change.status === 'SUCCEEDED'
            ? {
                type: 'payment.succeeded',
                aggregateId: payment.id,
                aggregateVersion: version,
                data: base,
                traceId,
              }
            : {
                type: 'payment.failed',
                aggregateId: payment.id,
                aggregateVersion: version,
                data: { ...base, failureReason: change.failureReason! },
                traceId,
              },
        );
      }
      await recordEvents(tx, events);
      // Charged payments that moved on meanwhile (a concurrent charge): as they are now.
      const stale = toCharge
        .filter(({ payment }) => !moved.has(payment.id))
        .map(({ payment }) => payment.orderId);
      const now = stale.length > 0 ? await this.byOrder(tx, stale) : new Map<string, Payment>();
      return payments.map(({ payment }) => {
        const version = moved.get(payment.id);
        if (version !== undefined) {
          return { payment: { ...payment, ...changes.get(payment.id), version }, changed: true };
        }
        return { payment: now.get(payment.orderId) ?? payment, changed: false };
      });
    }, joinOrBegin());
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
      const moved = await this.move(
        tx,
        'SUCCEEDED',
        new Map([[payment.id, { status: 'REFUNDED', refundRef }]]),
      );
      const version = moved.get(payment.id);
      if (version === undefined)
        return { payment: await this.mustFind(tx, orderId), changed: false };
      await recordEvent(tx, {
        type: 'payment.refunded',
        aggregateId: payment.id,
        aggregateVersion: version,
        data: { orderId: payment.orderId, paymentId: payment.id, amount: amountOf(payment) },
      });
      return { payment: await this.mustFind(tx, orderId), changed: true };
    }, joinOrBegin());
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

  /** Payments by order id (lower case), on the caller's transaction. */
  private async byOrder(em: EntityManager, orderIds: readonly string[]) {
    const payments = await findPayments(em, 'order_id', orderIds);
    return new Map(payments.map((payment) => [payment.orderId, payment]));
  }

  /**
   * Compare-and-set of the status of several payments in one statement:
   * each changes only if it is still `from`. Answers the new version of
   * those that changed, by payment id.
   */
  private async move(
    em: EntityManager,
    from: PaymentStatus,
    changes: ReadonlyMap<string, StatusChange>,
  ): Promise<Map<string, number>> {
    const entries = [...changes];
    const rows = await queryRows<{ id: string; version: number }>(
      em,
      `UPDATE payments p
          SET status = c.status,
              failure_reason = COALESCE(c.failure_reason, p.failure_reason),
              processor_ref = COALESCE(c.processor_ref, p.processor_ref),
              refund_ref = COALESCE(c.refund_ref, p.refund_ref),
              version = p.version + 1,
              updated_at = now()
         FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::text[], ARRAY[?]::text[], ARRAY[?]::text[],
                     ARRAY[?]::text[]) AS c (id, status, failure_reason, processor_ref, refund_ref)
        WHERE p.id = c.id AND p.status = ?
        RETURNING p.id::text, p.version`,
      [
        entries.map(([id]) => id),
        entries.map(([, to]) => to.status),
        entries.map(([, to]) => to.failureReason ?? null),
        entries.map(([, to]) => to.processorRef ?? null),
        entries.map(([, to]) => to.refundRef ?? null),
        from,
      ],
    );
    return new Map(rows.map((row) => [row.id, row.version]));
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
