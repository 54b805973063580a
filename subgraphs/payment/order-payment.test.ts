import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSubgraph } from '../../platform/subgraph.js';
import type { Identity } from '../../platform/identity.js';
import { uuidv7 } from '../../platform/ids.js';
import { buildEnvelope, topicOf, type EventEnvelope } from '../../platform/events/index.js';
import { subgraphHarness } from '../../test/support/subgraph-harness.js';
import { PaymentService } from './services/payments.js';
import { SimulatedProcessor } from './services/simulated-processor.js';
import { createPaymentSubgraph } from './subgraph.js';

/**
 * Order.payment and Payment through the subgraph's HTTP endpoint (the way
 * the gateway reaches them, with `_entities`), and the payment's part of the
 * saga through a real Kafka.
 */

const owner: Identity = { userId: uuidv7(), roles: ['CUSTOMER'] };
const stranger: Identity = { userId: uuidv7(), roles: ['CUSTOMER'] };
const admin: Identity = { userId: uuidv7(), roles: ['CUSTOMER', 'ADMIN'] };

const processor = new SimulatedProcessor();
const payments = new PaymentService(processor);
const harness = subgraphHarness(createPaymentSubgraph(processor), {
  name: 'orderpayment',
  port: 4441,
  logLevel: 'silent',
});
const call = harness.call;
let running: RunningSubgraph;

beforeAll(async () => {
  running = await harness.start();
});

afterAll(async () => {
  await harness.cleanUp();
});

interface PaymentView {
  id: string;
  status: string;
  amount: { amount: number; currency: string };
  failureReason: string | null;
}

const ORDER_PAYMENT = `
  query ($reps: [_Any!]!) {
    _entities(representations: $reps) {
      ... on Order { id payment { id status amount { amount currency } failureReason } }
    }
  }`;

const orderPayment = (orderIds: string[], identity: Identity | null) =>
  call<{ _entities: ({ id: string; payment: PaymentView | null } | null)[] }>(
    ORDER_PAYMENT,
    { reps: orderIds.map((id) => ({ __typename: 'Order', id })) },
    identity,
  );

async function chargedOrder(paymentMethod: string, customer = owner) {
  const orderId = uuidv7();
  const em = running.runtime.orm.em.fork();
  const created = await payments.createPending(em, {
    orderId,
    customerId: customer.userId,
    amount: { amount: 2500, currency: 'EUR' },
    paymentMethod,
  });
  await payments.charge(em, orderId);
  return { orderId, paymentId: created.id };
}

describe('Order.payment', () => {
  it("shows the order's customer the payment", async () => {
    const { orderId, paymentId } = await chargedOrder('pm_card_visa');
    const result = await orderPayment([orderId], owner);
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      {
        id: orderId,
        payment: {
          id: paymentId,
          status: 'SUCCEEDED',
          amount: { amount: 2500, currency: 'EUR' },
          failureReason: null,
        },
      },
    ]);
  });

  it('shows an admin any payment, failure reason included', async () => {
    const { orderId } = await chargedOrder('pm_card_insufficientFunds');
    const result = await orderPayment([orderId], admin);
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities[0]?.payment).toMatchObject({
      status: 'FAILED',
      failureReason: 'insufficient_funds',
    });
  });

  it('refuses another customer with FORBIDDEN and shows nothing of the payment', async () => {
    const { orderId } = await chargedOrder('pm_card_visa');
    const result = await orderPayment([orderId], stranger);
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(result.data?._entities[0]?.payment ?? null).toBeNull();
    expect(JSON.stringify(result)).not.toContain('SUCCEEDED');
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    const { orderId } = await chargedOrder('pm_card_visa');
    const result = await orderPayment([orderId], null);
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(result.data?._entities[0]?.payment ?? null).toBeNull();
  });

  it('is null for an order without a payment yet, and for a malformed id', async () => {
    const result = await orderPayment([uuidv7(), 'not-an-id'], owner);
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((o) => o?.payment)).toEqual([null, null]);
  });

  it("answers several orders at once, each by its own customer's rule", async () => {
    const mine = await chargedOrder('pm_card_visa');
    const theirs = await chargedOrder('pm_card_visa', stranger);
    const result = await orderPayment([mine.orderId, theirs.orderId], owner);
    expect(result.data?._entities[0]?.payment?.id).toBe(mine.paymentId);
    expect(result.data?._entities[1]?.payment ?? null).toBeNull();
    expect(result.errors?.map((e) => [e.extensions?.code, e.path?.[1]])).toEqual([
      ['FORBIDDEN', 1],
    ]);
  });
});

describe('Payment', () => {
  const PAYMENT = `
    query ($reps: [_Any!]!) {
      _entities(representations: $reps) { ... on Payment { id status order { id } } }
    }`;

  it('resolves a payment by id for its customer, with its order', async () => {
    const { orderId, paymentId } = await chargedOrder('pm_card_visa');
    const result = await call<{ _entities: unknown[] }>(
      PAYMENT,
      { reps: [{ __typename: 'Payment', id: paymentId }] },
      owner,
    );
    expect(result.data?._entities).toEqual([
      { id: paymentId, status: 'SUCCEEDED', order: { id: orderId } },
    ]);
  });

  it('refuses another customer with FORBIDDEN', async () => {
    const { paymentId } = await chargedOrder('pm_card_visa');
    const result = await call<{ _entities: unknown[] }>(
      PAYMENT,
      { reps: [{ __typename: 'Payment', id: paymentId }] },
      stranger,
    );
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(result.data?._entities).toEqual([null]);
  });
});

describe('the order saga over Kafka', () => {
  function lifecycle(orderId: string, status: 'AWAITING_PAYMENT' | 'CANCELLED', version: number) {
    return {
      orderId,
      customerId: owner.userId,
      status,
      statusReason: status === 'CANCELLED' ? ('EXPIRED' as const) : null,
      version,
    };
  }

  async function publish(events: EventEnvelope[]): Promise<void> {
    const producer = running.runtime.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${harness.topicPrefix}${topicOf('order')}`,
      messages: events.map((e) => ({ key: e.aggregateId, value: JSON.stringify(e) })),
    });
    await producer.disconnect();
  }

  /** Reads payment.events from the start until `count` events of this order arrived. */
  async function paymentEvents(orderId: string, count: number): Promise<EventEnvelope[]> {
    const consumer = running.runtime.kafka.consumer({
      groupId: `${harness.topicPrefix}test-${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    const seen: EventEnvelope[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({
        topic: `${harness.topicPrefix}${topicOf('payment')}`,
        fromBeginning: true,
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`saw ${seen.length} events`)), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            const event = JSON.parse(String(message.value)) as EventEnvelope;
            if ((event.data as { orderId?: string }).orderId !== orderId) return;
            seen.push(event);
            if (seen.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  it('charges an order awaiting payment, then refunds it when the order is cancelled', async () => {
    const orderId = uuidv7();
    const awaiting = buildEnvelope({
      type: 'order.awaiting_payment',
      aggregateId: orderId,
      aggregateVersion: 2,
      data: {
        ...lifecycle(orderId, 'AWAITING_PAYMENT', 2),
        total: { amount: 1234, currency: 'EUR' },
        paymentMethod: 'pm_card_visa',
      },
    });
    const cancelled = buildEnvelope({
      type: 'order.cancelled',
      aggregateId: orderId,
      aggregateVersion: 3,
      data: { ...lifecycle(orderId, 'CANCELLED', 3), items: [] },
    });
    // Redelivered once: the inbox must make the copy harmless.
    await publish([awaiting, awaiting, cancelled]);

    const events = await paymentEvents(orderId, 2);
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded', 'payment.refunded']);
    expect(events[0]?.data).toMatchObject({ orderId, amount: { amount: 1234, currency: 'EUR' } });
    const view = await orderPayment([orderId], owner);
    expect(view.data?._entities[0]?.payment).toMatchObject({ status: 'REFUNDED' });
  });

  it('answers a declined card with payment.failed and its reason', async () => {
    const orderId = uuidv7();
    await publish([
      buildEnvelope({
        type: 'order.awaiting_payment',
        aggregateId: orderId,
        aggregateVersion: 2,
        data: {
          ...lifecycle(orderId, 'AWAITING_PAYMENT', 2),
          total: { amount: 990, currency: 'EUR' },
          paymentMethod: 'pm_card_chargeDeclined',
        },
      }),
    ]);
    const [failed] = await paymentEvents(orderId, 1);
    expect(failed).toMatchObject({
      type: 'payment.failed',
      data: { orderId, failureReason: 'card_declined' },
    });
  });
});
