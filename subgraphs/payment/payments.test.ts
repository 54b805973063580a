import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../../platform/db.js';
import { createLogger } from '../../platform/logger.js';
import { uuidv7 } from '../../platform/ids.js';
import { queryRows } from '../../platform/events/index.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { InvalidPaymentRequest, PaymentService, type NewPayment } from './services/payments.js';
import type { ChargeRequest, PaymentProcessor } from './services/processor.js';
import { SimulatedProcessor } from './services/simulated-processor.js';

/** The payment use cases against a real PostgreSQL, with the simulated processor. */

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ecommerce_t_ivpay_payment';
let orm: MikroORM;

beforeAll(async () => {
  orm = await initOrm({
    url: DATABASE_URL,
    entities,
    migrations,
    logger: createLogger('payment-test', 'silent'),
  });
});

afterAll(async () => {
  await orm?.close(true);
});

const em = () => orm.em.fork();

/** The simulator, counting every charge call (retries included). */
class CountingProcessor extends SimulatedProcessor implements PaymentProcessor {
  calls: ChargeRequest[] = [];
  override async charge(request: ChargeRequest) {
    this.calls.push(request);
    return super.charge(request);
  }
}

function newPayment(paymentMethod = 'pm_card_visa'): NewPayment {
  return {
    orderId: uuidv7(),
    customerId: uuidv7(),
    amount: { amount: 4598, currency: 'EUR' },
    paymentMethod,
  };
}

async function eventsOf(paymentId: string) {
  return queryRows<{ type: string; payload: { aggregateVersion: number; data: unknown } }>(
    em(),
    'SELECT type, payload FROM outbox WHERE key = ? ORDER BY seq',
    [paymentId],
  );
}

describe('createPending', () => {
  it('creates one PENDING payment per order, however often it is asked', async () => {
    const service = new PaymentService(new SimulatedProcessor());
    const input = newPayment();
    const [a, b] = await Promise.all([
      service.createPending(em(), input),
      service.createPending(em(), input),
    ]);
    expect(a.id).toBe(b.id);
    expect(a).toMatchObject({ status: 'PENDING', amount: 4598, currency: 'EUR' });
  });

  it('refuses a second payment for an order on other terms', async () => {
    const service = new PaymentService(new SimulatedProcessor());
    const input = newPayment();
    await service.createPending(em(), input);
    await expect(
      service.createPending(em(), { ...input, amount: { amount: 1, currency: 'EUR' } }),
    ).rejects.toThrow(InvalidPaymentRequest);
  });
});

describe('charge', () => {
  it('marks a payment SUCCEEDED and records payment.succeeded', async () => {
    const service = new PaymentService(new SimulatedProcessor());
    const input = newPayment('pm_card_mastercard');
    const created = await service.createPending(em(), input);
    const { payment, changed } = await service.charge(em(), input.orderId);
    expect(changed).toBe(true);
    expect(payment).toMatchObject({ status: 'SUCCEEDED', failureReason: null, version: 2 });
    expect(payment.processorRef).toMatch(/^ch_sim_/);
    const events = await eventsOf(created.id);
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
    expect(events[0]?.payload.data).toEqual({
      orderId: input.orderId,
      paymentId: created.id,
      amount: { amount: 4598, currency: 'EUR' },
    });
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined'],
    ['pm_card_insufficientFunds', 'insufficient_funds'],
    ['pm_card_unknown', 'invalid_payment_method'],
  ])('marks a payment with %s FAILED with %s and records payment.failed', async (token, reason) => {
    const service = new PaymentService(new SimulatedProcessor());
    const input = newPayment(token);
    const created = await service.createPending(em(), input);
    const { payment } = await service.charge(em(), input.orderId);
    expect(payment).toMatchObject({ status: 'FAILED', failureReason: reason, processorRef: null });
    const events = await eventsOf(created.id);
    expect(events.map((e) => e.type)).toEqual(['payment.failed']);
    expect(events[0]?.payload.data).toMatchObject({ failureReason: reason });
  });

  it('charges once when asked twice, even concurrently, and records one event', async () => {
    const processor = new CountingProcessor();
    const service = new PaymentService(processor);
    const input = newPayment();
    const created = await service.createPending(em(), input);
    const outcomes = await Promise.all([
      service.charge(em(), input.orderId),
      service.charge(em(), input.orderId),
    ]);
    await service.charge(em(), input.orderId);
    expect(outcomes.filter((o) => o.changed)).toHaveLength(1);
    expect(processor.chargeCount).toBe(1);
    // Every call that reached the processor used the payment's own key.
    expect(new Set(processor.calls.map((c) => c.idempotencyKey))).toEqual(
      new Set([`charge:${created.id}`]),
    );
    expect((await eventsOf(created.id)).map((e) => e.type)).toEqual(['payment.succeeded']);
  });

  it('does not charge again when a crash lost the outcome of an earlier charge', async () => {
    const processor = new CountingProcessor();
    const service = new PaymentService(processor);
    const input = newPayment();
    const created = await service.createPending(em(), input);
    // The processor took the money, then the process died before recording it.
    const before = await processor.charge({
      paymentId: created.id,
      amount: { amount: created.amount, currency: created.currency },
      paymentMethod: created.paymentMethod,
      idempotencyKey: `charge:${created.id}`,
    });
    const { payment } = await service.charge(em(), input.orderId);
    expect(processor.chargeCount).toBe(1);
    expect(before).toEqual({ outcome: 'succeeded', processorRef: payment.processorRef });
  });

  it('starts a transaction of its own when called without one, after a call that joined one', async () => {
    const service = new PaymentService(new SimulatedProcessor());
    const inside = newPayment();
    await em().transactional(async (tx) => {
      await service.createPending(tx, inside);
      await service.charge(tx, inside.orderId);
    });
    const outside = newPayment();
    await service.createPending(em(), outside);
    const { payment, changed } = await service.charge(em(), outside.orderId);
    expect(changed).toBe(true);
    expect(payment.status).toBe('SUCCEEDED');
  });

  it('fails loudly for an order without a payment', async () => {
    const service = new PaymentService(new SimulatedProcessor());
    await expect(service.charge(em(), uuidv7())).rejects.toThrow(InvalidPaymentRequest);
  });
});

describe('several orders at once (a consumer chunk)', () => {
  it('creates and charges every payment, each with its own outcome and event, continuing its own trace', async () => {
    const processor = new CountingProcessor();
    const service = new PaymentService(processor);
    const inputs = [newPayment('pm_card_visa'), newPayment('pm_card_chargeDeclined'), newPayment()];
    const outcomes = await em().transactional(async (tx) => {
      const pending = await service.createPendings(tx, inputs);
      return service.chargeAll(
        tx,
        inputs.map((input, i) => ({
          orderId: input.orderId,
          pending: pending[i],
          traceId: `chunk0trace${i}`,
        })),
      );
    });

    expect(outcomes.map((o) => [o.payment.orderId, o.payment.status, o.changed])).toEqual([
      [inputs[0]!.orderId, 'SUCCEEDED', true],
      [inputs[1]!.orderId, 'FAILED', true],
      [inputs[2]!.orderId, 'SUCCEEDED', true],
    ]);
    expect(processor.chargeCount).toBe(3);
    for (const [i, outcome] of outcomes.entries()) {
      const events = await eventsOf(outcome.payment.id);
      expect(events.map((e) => e.type)).toEqual([i === 1 ? 'payment.failed' : 'payment.succeeded']);
      expect(events[0]!.payload).toMatchObject({
        traceId: `chunk0trace${i}`,
        aggregateVersion: 2,
        data: { orderId: inputs[i]!.orderId, amount: { amount: 4598, currency: 'EUR' } },
      });
    }
  });

  it('leaves a payment charged before alone among new ones, and charges it no second time', async () => {
    const processor = new CountingProcessor();
    const service = new PaymentService(processor);
    const earlier = newPayment();
    const created = await service.createPending(em(), earlier);
    await service.charge(em(), earlier.orderId);
    const fresh = newPayment();
    const outcomes = await em().transactional(async (tx) => {
      const pending = await service.createPendings(tx, [earlier, fresh]);
      return service.chargeAll(
        tx,
        [earlier, fresh].map((input, i) => ({ orderId: input.orderId, pending: pending[i] })),
      );
    });

    expect(outcomes.map((o) => [o.payment.id === created.id, o.payment.status, o.changed])).toEqual(
      [
        [true, 'SUCCEEDED', false],
        [false, 'SUCCEEDED', true],
      ],
    );
    expect(processor.chargeCount).toBe(2);
    expect((await eventsOf(created.id)).map((e) => e.type)).toEqual(['payment.succeeded']);
  });

  it('refuses the chunk when one order already has a payment on other terms, creating none', async () => {
    const service = new PaymentService(new SimulatedProcessor());
    const taken = newPayment();
    await service.createPending(em(), taken);
    const fresh = newPayment();
    await expect(
      em().transactional((tx) =>
        service.createPendings(tx, [fresh, { ...taken, paymentMethod: 'pm_card_mastercard' }]),
      ),
    ).rejects.toThrow(InvalidPaymentRequest);
    expect(await service.find(em(), fresh.orderId)).toBeNull();
  });
});

describe('refund', () => {
  it('refunds a SUCCEEDED payment once and records payment.refunded', async () => {
    const service = new PaymentService(new SimulatedProcessor());
    const input = newPayment();
    const created = await service.createPending(em(), input);
    await service.charge(em(), input.orderId);
    const first = await service.refund(em(), input.orderId);
    const second = await service.refund(em(), input.orderId);
    expect(first).toMatchObject({ changed: true, payment: { status: 'REFUNDED', version: 3 } });
    expect(first?.payment.refundRef).toMatch(/^re_sim_/);
    expect(second).toMatchObject({ changed: false, payment: { status: 'REFUNDED' } });
    expect((await eventsOf(created.id)).map((e) => e.type)).toEqual([
      'payment.succeeded',
      'payment.refunded',
    ]);
  });

  it('leaves FAILED and PENDING payments alone, and answers null without a payment', async () => {
    const service = new PaymentService(new SimulatedProcessor());
    const declined = newPayment('pm_card_chargeDeclined');
    await service.createPending(em(), declined);
    await service.charge(em(), declined.orderId);
    const pending = newPayment();
    await service.createPending(em(), pending);
    expect(await service.refund(em(), declined.orderId)).toMatchObject({
      changed: false,
      payment: { status: 'FAILED' },
    });
    expect(await service.refund(em(), pending.orderId)).toMatchObject({
      changed: false,
      payment: { status: 'PENDING' },
    });
    expect(await service.refund(em(), uuidv7())).toBeNull();
  });
});
