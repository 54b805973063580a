import pg from 'pg';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CancelOrderDocument, ShipOrderDocument } from '../../client/__generated__/graphql.js';
import { gql } from '../support/client.js';
import {
  adminToken,
  createProduct,
  eventually,
  orderReaching,
  signUpCustomer,
  type Customer,
  placedOrder,
} from '../support/fixtures.js';
import { findEvent } from '../support/kafka.js';
import '../support/provided.js';

/**
 * Customer notifications through the whole stack: orders placed, paid,
 * shipped and cancelled through the gateway, the saga over Kafka, and the
 * notifications worker's own database (`<test database>_notifications`).
 */

interface NotificationRow {
  event_id: string;
  customer_id: string;
  kind: string;
  reason: string | null;
  recipient: string | null;
  channel: string;
}

let admin: string;
let customer: Customer;
let db: pg.Pool;

beforeAll(async () => {
  const url = new URL(inject('testEnv').DATABASE_URL!);
  url.pathname = `${url.pathname}_notifications`;
  db = new pg.Pool({ connectionString: url.toString(), max: 2 });
  admin = await adminToken();
  customer = await signUpCustomer('Notified Customer');
});

afterAll(async () => {
  await db?.end();
});

async function notificationsOf(orderId: string): Promise<NotificationRow[]> {
  const { rows } = await db.query<NotificationRow>(
    'SELECT * FROM notifications WHERE order_id = $1 ORDER BY sent_at, id',
    [orderId],
  );
  return rows;
}

function kindsOf(orderId: string, count: number) {
  return eventually(
    async () => {
      const rows = await notificationsOf(orderId);
      return rows.length >= count && rows;
    },
    { what: `${count} notification(s) for order ${orderId}` },
  );
}

async function placeOrder(quantity = 1, paymentMethod = 'pm_card_visa', stock = 5) {
  const product = await createProduct(admin, { stock });
  return (await placedOrder(customer, product, quantity, { paymentMethod })).id;
}

describe('customer notifications', () => {
  it('sends one ORDER_CONFIRMED to the registered address, even when order.confirmed is delivered twice', async () => {
    const orderId = await placeOrder();
    await orderReaching(customer.token, orderId, 'CONFIRMED');
    const [first] = await kindsOf(orderId, 1);
    expect(first).toMatchObject({
      kind: 'ORDER_CONFIRMED',
      customer_id: customer.id,
      recipient: customer.email,
      channel: 'log',
    });

    // Redeliver the very event, as the relay would after a crash between ack and mark.
    const confirmed = await findEvent(
      'order',
      (e) => e.type === 'order.confirmed' && e.aggregateId === orderId,
    );
    expect(confirmed?.id).toBe(first?.event_id);
    const env = inject('testEnv');
    const kafka = new Kafka({
      clientId: 'notifications-e2e',
      brokers: env.KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({
        topic: `${env.KAFKA_TOPIC_PREFIX}order.events`,
        messages: [{ key: orderId, value: JSON.stringify(confirmed) }],
      });
    } finally {
      await producer.disconnect();
    }
    // Shipping puts a later event on the same partition: once it is notified, the duplicate was handled.
    const shipped = await gql(ShipOrderDocument, { id: orderId }, { token: admin });
    expect(shipped.data?.shipOrder.order?.status).toBe('SHIPPED');
    const rows = await kindsOf(orderId, 2);
    expect(rows.map((n) => n.kind)).toEqual(['ORDER_CONFIRMED', 'ORDER_SHIPPED']);
  });

  it('tells the customer an order was cancelled because the payment was declined', async () => {
    const orderId = await placeOrder(1, 'pm_card_declined');
    await orderReaching(customer.token, orderId, 'CANCELLED');
    const rows = await kindsOf(orderId, 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'ORDER_CANCELLED', reason: 'PAYMENT_DECLINED' });
  });

  it('tells the customer an order was cancelled because it was out of stock', async () => {
    const orderId = await placeOrder(3, 'pm_card_visa', 1);
    await orderReaching(customer.token, orderId, 'CANCELLED');
    const rows = await kindsOf(orderId, 1);
    expect(rows.map((n) => [n.kind, n.reason])).toEqual([['ORDER_CANCELLED', 'OUT_OF_STOCK']]);
  });

  it('notifies the cancellation and the refund when the customer cancels a paid order', async () => {
    const orderId = await placeOrder();
    await orderReaching(customer.token, orderId, 'CONFIRMED');
    const cancelled = await gql(CancelOrderDocument, { id: orderId }, { token: customer.token });
    expect(cancelled.data?.cancelOrder.order?.status).toBe('CANCELLED');
    const rows = await kindsOf(orderId, 3);
    expect(rows.map((n) => n.kind).sort()).toEqual([
      'ORDER_CANCELLED',
      'ORDER_CONFIRMED',
      'PAYMENT_REFUNDED',
    ]);
    expect(rows.find((n) => n.kind === 'ORDER_CANCELLED')?.reason).toBe('CUSTOMER_CANCELLED');
    expect(rows.find((n) => n.kind === 'PAYMENT_REFUNDED')?.customer_id).toBe(customer.id);
  });

  it('sends nothing for placed, awaiting-payment or payment events of an order not yet confirmed', async () => {
    // Out of stock never reaches payment: the only notification is the cancellation,
    // so order.placed and inventory's answer produced none.
    const orderId = await placeOrder(2, 'pm_card_visa', 1);
    await orderReaching(customer.token, orderId, 'CANCELLED');
    await kindsOf(orderId, 1);
    // A confirmed order's placed, awaiting_payment and payment.succeeded events produce nothing either.
    const paid = await placeOrder();
    await orderReaching(customer.token, paid, 'CONFIRMED');
    const rows = await kindsOf(paid, 1);
    expect(rows.map((n) => n.kind)).toEqual(['ORDER_CONFIRMED']);
  });
});
