import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { eventHistory, formatHistory } from '../../scripts/lib/event-history.js';
import {
  adminToken,
  createProduct,
  eventually,
  orderReaching,
  signUpCustomer,
  type Customer,
  placeOrder,
} from '../support/fixtures.js';
import '../support/provided.js';

/** `npm run events:history`: an order's events across services, in order, with trace ids. */

let admin: string;
let customer: Customer;

beforeAll(async () => {
  admin = await adminToken();
  customer = await signUpCustomer('History Customer');
});

describe('order event history', () => {
  it("lists a confirmed order's saga across services in order, with the placeOrder trace id", async () => {
    const product = await createProduct(admin, { stock: 2 });
    const traceId = randomUUID().replace(/-/g, '');
    const { data } = await placeOrder(customer, product, 1, { headers: { 'x-trace-id': traceId } });
    const orderId = data!.placeOrder.order!.id;
    await orderReaching(customer.token, orderId, 'CONFIRMED');

    const env = inject('testEnv');
    const expected = [
      'order.placed',
      'inventory.reserved',
      'order.awaiting_payment',
      'payment.succeeded',
      'order.confirmed',
      'inventory.committed',
    ];
    // inventory.committed follows order.confirmed asynchronously.
    const history = await eventually(
      async () => {
        const entries = await eventHistory(orderId, { env });
        return entries.length >= expected.length && entries;
      },
      { what: 'the whole saga in the outboxes' },
    );
    expect(history.map((e) => e.type)).toEqual(expected);
    expect(history.map((e) => e.service)).toEqual([
      'order',
      'inventory',
      'order',
      'payment',
      'order',
      'inventory',
    ]);
    expect(history[0]).toMatchObject({
      topic: `${env.KAFKA_TOPIC_PREFIX}order.events`,
      aggregateId: orderId,
      aggregateVersion: 1,
      traceId,
    });
    // The trace follows the saga across services and Kafka.
    expect(history[1]?.traceId).toBe(traceId);
    expect(history.every((e) => typeof e.traceId === 'string' && e.traceId.length > 0)).toBe(true);
    expect(history.find((e) => e.type === 'payment.succeeded')?.data.orderId).toBe(orderId);
    const times = history.map((e) => e.occurredAt);
    expect([...times].sort()).toEqual(times);

    const text = formatHistory(history);
    expect(text.split('\n')).toHaveLength(expected.length);
    expect(text).toContain(`trace=${traceId}`);
    expect(text).toContain('status=CONFIRMED');
  });

  it('gives a request without a trace id one, returns it in x-trace-id, and its events carry it', async () => {
    const product = await createProduct(admin, { stock: 2 });
    const placed = await placeOrder(customer, product, 1);
    const traceId = placed.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const orderId = placed.data!.placeOrder.order!.id;
    const [first] = await eventually(
      async () => {
        const entries = await eventHistory(orderId, { env: inject('testEnv') });
        return entries.length > 0 && entries;
      },
      { what: 'order.placed in the outbox' },
    );
    expect(first).toMatchObject({ type: 'order.placed', traceId });
  });

  it('finds nothing for an order no service has heard of', async () => {
    expect(await eventHistory(randomUUID(), { env: inject('testEnv') })).toEqual([]);
  });
});
