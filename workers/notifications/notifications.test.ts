import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope, domainOf, topicOf } from '../../platform/events/index.js';
import type { EventData, EventEnvelope, EventType } from '../../platform/events/contracts.js';
import { uuidv7 } from '../../platform/ids.js';
import { startWorker, type RunningWorker } from '../../platform/worker.js';
import { deleteKafkaNames } from '../../test/support/cleanup.js';
import { notificationsWorker } from './worker.js';
import type { NotificationSender, OutgoingNotification } from './services/sender.js';

/**
 * The worker in-process on its own database, topic prefix and port, fed by
 * envelopes this test publishes as the services' relays would (duplicates
 * and broken ones included). Real PostgreSQL and Kafka.
 */

const BASE_DATABASE = 'ecommerce_t_notifworker';
const PORT = 4461;
const KAFKA_BROKERS = process.env.KAFKA_BROKERS || 'localhost:9092';
const topicPrefix = `t-notif-${randomUUID().slice(0, 8)}.`;

/** Every send attempt, in order; a send for an order listed in failOnce throws once. */
const sends: OutgoingNotification[] = [];
const failOnce = new Set<string>();

class RecordingSender implements NotificationSender {
  readonly channel = 'log';

  async send(notification: OutgoingNotification): Promise<void> {
    sends.push(notification);
    if (failOnce.delete(notification.orderId)) throw new Error('mail server unavailable');
  }
}

let worker: RunningWorker;
let pool: pg.Pool;
let producer: Producer;

interface NotificationRow {
  id: string;
  event_id: string;
  order_id: string;
  customer_id: string;
  kind: string;
  reason: string | null;
  channel: string;
  recipient: string | null;
  subject: string;
  body: string;
}

async function dropDatabase(): Promise<void> {
  const server = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await server.connect();
  await server.query(`DROP DATABASE IF EXISTS "${BASE_DATABASE}_notifications" WITH (FORCE)`);
  await server.end();
}

beforeAll(async () => {
  await dropDatabase();
  worker = await startWorker(notificationsWorker({ sender: () => new RecordingSender() }), {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL || 'warn',
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${BASE_DATABASE}`,
    KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    NOTIFICATIONS_PORT: String(PORT),
  });
  pool = new pg.Pool({ connectionString: worker.runtime.config.databaseUrl, max: 2 });
  const kafka = new Kafka({
    clientId: 'notifications-test',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await pool?.end();
  await worker?.stop();
  await deleteKafkaNames(KAFKA_BROKERS, (name) => name.startsWith(topicPrefix)).catch(
    () => undefined,
  );
  await dropDatabase();
});

function envelope<T extends EventType>(
  type: T,
  aggregateId: string,
  aggregateVersion: number,
  data: EventData<T>,
): EventEnvelope<T> {
  return buildEnvelope({ type, aggregateId, aggregateVersion, data });
}

/** Sends the envelope byte for byte as the relay would; sending one twice is a redelivery. */
async function publish(event: EventEnvelope, raw?: string): Promise<void> {
  await producer.send({
    topic: `${topicPrefix}${topicOf(domainOf(event.type))}`,
    acks: -1,
    messages: [{ key: event.aggregateId, value: raw ?? JSON.stringify(event) }],
  });
}

async function notificationsOf(orderId: string): Promise<NotificationRow[]> {
  const { rows } = await pool.query<NotificationRow>(
    'SELECT * FROM notifications WHERE order_id = $1 ORDER BY sent_at, id',
    [orderId],
  );
  return rows;
}

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The order's notifications, once it has one. */
function firstNotifications(orderId: string, what: string): Promise<NotificationRow[]> {
  return waitFor(async () => {
    const rows = await notificationsOf(orderId);
    return rows.length > 0 && rows;
  }, what);
}

/** The order's events up to the state the test needs, as the order service publishes them. */
function lifecycle(orderId: string, customerId: string) {
  const base = { orderId, customerId, statusReason: null };
  const total = { amount: 4598, currency: 'EUR' };
  const items = [
    { productId: uuidv7(), quantity: 2, unitPrice: { amount: 2299, currency: 'EUR' } },
  ];
  return {
    placed: envelope('order.placed', orderId, 1, {
      ...base,
      status: 'PENDING',
      version: 1,
      items,
      total,
      paymentMethod: 'pm_card_visa',
    }),
    awaitingPayment: envelope('order.awaiting_payment', orderId, 2, {
      ...base,
      status: 'AWAITING_PAYMENT',
      version: 2,
      total,
      paymentMethod: 'pm_card_visa',
    }),
    confirmed: envelope('order.confirmed', orderId, 3, {
      ...base,
      status: 'CONFIRMED',
      version: 3,
    }),
    shipped: envelope('order.shipped', orderId, 4, { ...base, status: 'SHIPPED', version: 4 }),
    delivered: envelope('order.delivered', orderId, 5, {
      ...base,
      status: 'DELIVERED',
      version: 5,
    }),
    cancelled: (version: number, reason: 'PAYMENT_DECLINED' | 'CUSTOMER_CANCELLED') =>
      envelope('order.cancelled', orderId, version, {
        ...base,
        status: 'CANCELLED',
        statusReason: reason,
        version,
        items,
      }),
  };
}

describe('notifications worker', () => {
  it('serves readiness and metrics on its own port', async () => {
    const ready = await fetch(`${worker.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('service="notifications"');
  });

  it('sends exactly one ORDER_CONFIRMED notification when the event is delivered twice', async () => {
    const orderId = uuidv7();
    const customerId = uuidv7();
    const order = lifecycle(orderId, customerId);
    await publish(order.placed);
    await publish(order.confirmed);
    await publish(order.confirmed); // the relay republished it (crash between ack and UPDATE)
    // A later event on the same partition: once it is handled, both copies were.
    await publish(order.shipped);
    const rows = await waitFor(async () => {
      const r = await notificationsOf(orderId);
      return r.some((n) => n.kind === 'ORDER_SHIPPED') && r;
    }, 'the shipped notification');
    expect(rows.map((n) => n.kind)).toEqual(['ORDER_CONFIRMED', 'ORDER_SHIPPED']);
    expect(rows[0]).toMatchObject({
      event_id: order.confirmed.id,
      customer_id: customerId,
      channel: 'log',
      reason: null,
    });
    expect(rows[0]?.subject).toContain(orderId.slice(-8).toUpperCase());
  });

  it('repeats a failed send under the same notification id, and stores that one', async () => {
    const orderId = uuidv7();
    const order = lifecycle(orderId, uuidv7());
    failOnce.add(orderId);
    await publish(order.placed);
    await publish(order.confirmed);
    const [row] = await firstNotifications(orderId, 'the confirmation');
    const attempts = sends.filter((n) => n.orderId === orderId);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((n) => n.id))).toEqual(new Set([row?.id]));
    expect(attempts.every((n) => n.eventId === order.confirmed.id)).toBe(true);
  });

  it('addresses the customer by the e-mail user.registered carried', async () => {
    const customerId = uuidv7();
    const email = `${customerId}@example.com`;
    await publish(
      envelope('user.registered', customerId, 1, { userId: customerId, email, name: 'Ada' }),
    );
    await waitFor(async () => {
      const { rowCount } = await pool.query('SELECT 1 FROM recipients WHERE user_id = $1', [
        customerId,
      ]);
      return rowCount === 1;
    }, 'the recipient projection');
    const orderId = uuidv7();
    const order = lifecycle(orderId, customerId);
    await publish(order.placed);
    await publish(order.confirmed);
    const [row] = await firstNotifications(orderId, 'the confirmation');
    expect(row).toMatchObject({ kind: 'ORDER_CONFIRMED', recipient: email });
  });

  it('tells the customer why an order was cancelled', async () => {
    const orderId = uuidv7();
    const order = lifecycle(orderId, uuidv7());
    await publish(order.placed);
    await publish(order.awaitingPayment);
    await publish(order.cancelled(3, 'PAYMENT_DECLINED'));
    const [row, ...more] = await firstNotifications(orderId, 'the cancellation');
    expect(more).toEqual([]);
    expect(row).toMatchObject({ kind: 'ORDER_CANCELLED', reason: 'PAYMENT_DECLINED' });
    expect(row?.body).toContain('the payment was declined');
  });

  it('notifies a refund, finding the customer from the order events', async () => {
    const orderId = uuidv7();
    const customerId = uuidv7();
    const paymentId = uuidv7();
    const order = lifecycle(orderId, customerId);
    await publish(order.placed);
    await publish(order.confirmed);
    await publish(order.cancelled(4, 'CUSTOMER_CANCELLED'));
    const amount = { amount: 4598, currency: 'EUR' };
    await publish(envelope('payment.refunded', paymentId, 3, { orderId, paymentId, amount }));
    const rows = await waitFor(async () => {
      const r = await notificationsOf(orderId);
      return r.length === 3 && r;
    }, 'three notifications');
    const refund = rows.find((n) => n.kind === 'PAYMENT_REFUNDED');
    expect(refund).toMatchObject({ customer_id: customerId, reason: null });
    expect(refund?.body).toContain('45.98 EUR');
    expect(rows.map((n) => n.kind).sort()).toEqual([
      'ORDER_CANCELLED',
      'ORDER_CONFIRMED',
      'PAYMENT_REFUNDED',
    ]);
  });

  it('notifies a refund read before its order once the order event arrives', async () => {
    const orderId = uuidv7();
    const customerId = uuidv7();
    const paymentId = uuidv7();
    const amount = { amount: 1250, currency: 'EUR' };
    await publish(envelope('payment.refunded', paymentId, 3, { orderId, paymentId, amount }));
    // The refund's handler is retrying now (its order is unknown); the order arrives late.
    await new Promise((r) => setTimeout(r, 300));
    expect(await notificationsOf(orderId)).toEqual([]);
    await publish(lifecycle(orderId, customerId).placed);
    const [refund] = await firstNotifications(orderId, 'the refund notification');
    expect(refund).toMatchObject({ kind: 'PAYMENT_REFUNDED', customer_id: customerId });
    expect(refund?.body).toContain('12.50 EUR');
  });

  it('sends nothing for events a customer does not care about', async () => {
    const orderId = uuidv7();
    const paymentId = uuidv7();
    const order = lifecycle(orderId, uuidv7());
    const amount = { amount: 4598, currency: 'EUR' };
    await publish(order.placed);
    await publish(order.awaitingPayment);
    await publish(envelope('payment.succeeded', paymentId, 2, { orderId, paymentId, amount }));
    await publish(order.delivered);
    // Markers behind them on the same partitions: once these are in, the others were handled.
    await publish(order.shipped);
    await publish(envelope('payment.refunded', paymentId, 3, { orderId, paymentId, amount }));
    const rows = await waitFor(async () => {
      const r = await notificationsOf(orderId);
      return r.length >= 2 && r;
    }, 'the two marker notifications');
    expect(rows.map((n) => n.kind).sort()).toEqual(['ORDER_SHIPPED', 'PAYMENT_REFUNDED']);
  });

  it('counts consumed and dead-lettered messages and exposes lag per partition', async () => {
    const orderId = uuidv7();
    const order = lifecycle(orderId, uuidv7());
    // Breaks order.confirmed's contract (no customerId): dead-lettered, never notified.
    const { customerId: _dropped, ...broken } = order.confirmed.data;
    await publish(order.confirmed, JSON.stringify({ ...order.confirmed, data: broken }));
    await publish(order.shipped);
    await waitFor(async () => (await notificationsOf(orderId)).length > 0, 'the marker');
    expect((await notificationsOf(orderId)).map((n) => n.kind)).toEqual(['ORDER_SHIPPED']);
    const text = await (await fetch(`${worker.url}/metrics`)).text();
    const group = `${topicPrefix}notifications`;
    const topic = `${topicPrefix}order.events`;
    expect(text).toMatch(
      new RegExp(
        `kafka_messages_consumed_total\\{[^}]*group="${group}",topic="${topic}",type="order.shipped"[^}]*\\} [1-9]`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `kafka_messages_dead_lettered_total\\{[^}]*group="${group}",topic="${topic}"[^}]*\\} 1\\b`,
      ),
    );
    expect(text).toMatch(
      new RegExp(`kafka_consumer_lag\\{[^}]*group="${group}",topic="${topic}",partition="\\d"`),
    );
  });
});
