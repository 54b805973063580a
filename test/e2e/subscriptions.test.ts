import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { print, type FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CancelOrderDocument,
  DeliverOrderDocument,
  OrderUpdatesDocument,
  ShipOrderDocument,
  type OrderUpdatesSubscription,
} from '../../client/__generated__/graphql.js';
import { loadGatewayConfig } from '../../platform/config.js';
import { issueAccessToken } from '../../platform/jwt.js';
import type { StackHandle } from '../../scripts/lib/stack.js';
import { gatewayUrl, gql } from '../support/client.js';
import { startExtraGateway } from '../support/extra-gateway.js';
import { LOG_DIR } from '../support/global-setup.js';
import {
  adminToken,
  createProduct,
  eventually,
  orderReaching,
  signUpCustomer,
  type Customer,
  type NewProduct,
  placedOrder,
} from '../support/fixtures.js';
import { subscribe, type TestSubscription } from '../support/ws-client.js';

/**
 * Order subscriptions over graphql-ws through the gateway: the current state
 * first, then every newer version resolved through the whole supergraph,
 * completion at the end of the lifecycle, the same visibility as queries,
 * refused connections, and fan-out to many subscribers and to every gateway.
 */

const ORDER_UPDATES = print(OrderUpdatesDocument);

/** A selection across subgraphs: order, product (names), payment, user. */
const MY_ORDER_UPDATES = /* GraphQL */ `
  subscription MyOrderUpdatesAcross {
    myOrderUpdates {
      id
      status
      version
      items {
        quantity
        product {
          name
        }
      }
      payment {
        status
      }
      customer {
        email
      }
    }
  }
`;

type Updated = NonNullable<OrderUpdatesSubscription['orderUpdated']>;
interface MyUpdate {
  myOrderUpdates: {
    id: string;
    status: string;
    version: number;
    items: Array<{ quantity: number; product: { name: string } }>;
    payment: { status: string } | null;
    customer: { email: string };
  };
}

let admin: string;
let customer: Customer;
let product: NewProduct;
const open: Array<TestSubscription<unknown>> = [];

function track<T>(subscription: TestSubscription<T>): TestSubscription<T> {
  open.push(subscription as TestSubscription<unknown>);
  return subscription;
}

beforeAll(async () => {
  admin = await adminToken();
  customer = await signUpCustomer('Subscribing Customer');
  product = await createProduct(admin, { price: 1500, stock: 2_000, name: 'Streamed Kettle' });
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => undefined)));
});

async function metric(name: string, url = gatewayUrl()): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** The gateway holds `count` more open subscriptions than `before` (registration is asynchronous). */
async function subscriptionsOpen(atLeast: number, url = gatewayUrl()) {
  await eventually(async () => (await metric('graphql_subscriptions_open', url)) >= atLeast, {
    what: `${atLeast} open subscriptions`,
  });
}

function updatesOf(
  orderId: string,
  options: { token: string; afterVersion?: number; url?: string },
) {
  return track(
    subscribe<{ orderUpdated: Updated }>(
      ORDER_UPDATES,
      { orderId, afterVersion: options.afterVersion ?? null },
      { token: options.token, ...(options.url ? { url: options.url } : {}) },
    ),
  );
}

async function nextState(subscription: TestSubscription<{ orderUpdated: Updated }>) {
  const result = await subscription.next(15_000);
  expect(result.errors).toBeUndefined();
  return result.data!.orderUpdated;
}

describe('order subscriptions', () => {
  it('streams a new order from PENDING to CONFIRMED with product names and payment status', async () => {
    const before = await metric('graphql_subscriptions_open');
    const stream = track(subscribe<MyUpdate>(MY_ORDER_UPDATES, {}, { token: customer.token }));
    await subscriptionsOpen(before + 1);

    const order = await placedOrder(customer, product, 2);
    const seen: MyUpdate['myOrderUpdates'][] = [];
    while (seen.at(-1)?.status !== 'CONFIRMED') {
      const result = await stream.next(20_000);
      expect(result.errors).toBeUndefined();
      seen.push(result.data!.myOrderUpdates);
    }
    expect(seen.every((s) => s.id === order.id)).toBe(true);
    // Versions that follow each other faster than they are delivered may arrive
    // merged into the newest (the contract): the first update is the order as the
    // gateway resolved it, PENDING unless the saga had already moved it on.
    expect(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']).toContain(seen[0]!.status);
    const versions = seen.map((s) => s.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(seen.at(-1)).toEqual({
      id: order.id,
      status: 'CONFIRMED',
      version: expect.any(Number),
      items: [{ quantity: 2, product: { name: 'Streamed Kettle' } }],
      payment: { status: 'SUCCEEDED' },
      customer: { email: customer.email },
    });
  });

  it('sends a confirmed order as it is, then each later version, and completes after delivery', async () => {
    const order = await placedOrder(customer, product);
    const confirmed = await orderReaching(customer.token, order.id, 'CONFIRMED');
    const stream = updatesOf(order.id, { token: customer.token });
    expect(await nextState(stream)).toMatchObject({
      id: order.id,
      status: 'CONFIRMED',
      version: confirmed.version,
      total: { amount: 1500, currency: 'EUR' },
      payment: { status: 'SUCCEEDED', failureReason: null },
    });

    await gql(ShipOrderDocument, { id: order.id }, { token: admin });
    expect(await nextState(stream)).toMatchObject({
      status: 'SHIPPED',
      version: confirmed.version + 1,
    });
    await gql(DeliverOrderDocument, { id: order.id }, { token: admin });
    expect(await nextState(stream)).toMatchObject({
      status: 'DELIVERED',
      version: confirmed.version + 2,
    });
    await stream.completed();
  });

  it('ends with the order CANCELLED and its payment REFUNDED when the customer cancels a paid order', async () => {
    const order = await placedOrder(customer, product);
    const confirmed = await orderReaching(customer.token, order.id, 'CONFIRMED');
    const stream = updatesOf(order.id, { token: customer.token });
    expect(await nextState(stream)).toMatchObject({ status: 'CONFIRMED' });

    // Hold the refund back (a slow card processor): the payment service's
    // refund waits for this row lock, while reads still see the payment as
    // SUCCEEDED. The cancellation must not be sent with that stale payment.
    const url = new URL(inject('testEnv').DATABASE_URL!);
    url.pathname = `${url.pathname}_payment`;
    const payments = new pg.Client({ connectionString: url.toString() });
    await payments.connect();
    try {
      await payments.query('BEGIN');
      await payments.query('SELECT 1 FROM payments WHERE order_id = $1 FOR UPDATE', [order.id]);
      const cancelled = await gql(CancelOrderDocument, { id: order.id }, { token: customer.token });
      expect(cancelled.data?.cancelOrder.userErrors).toEqual([]);
      await expect(stream.next(1_500)).rejects.toThrow(/no subscription event/);
    } finally {
      await payments.query('ROLLBACK');
      await payments.end();
    }

    // One message for the cancellation, once the refund is done: the state a
    // client keeps is the final one, and no version comes twice.
    expect(await nextState(stream)).toMatchObject({
      status: 'CANCELLED',
      statusReason: 'CUSTOMER_CANCELLED',
      version: confirmed.version + 1,
      payment: { status: 'REFUNDED' },
    });
    await stream.completed();
  });

  it('after a reconnect with afterVersion, repeats nothing and sends the latest state', async () => {
    const order = await placedOrder(customer, product);
    const confirmed = await orderReaching(customer.token, order.id, 'CONFIRMED');

    // Reconnecting with the version last seen: nothing is repeated…
    const upToDate = updatesOf(order.id, {
      token: customer.token,
      afterVersion: confirmed.version,
    });
    await expect(upToDate.next(1_500)).rejects.toThrow(/no subscription event/);
    // …and the next change arrives.
    await gql(ShipOrderDocument, { id: order.id }, { token: admin });
    expect(await nextState(upToDate)).toMatchObject({
      status: 'SHIPPED',
      version: confirmed.version + 1,
    });
    await expect(upToDate.next(1_000)).rejects.toThrow(/no subscription event/);

    // A client that missed versions gets the latest state at once, once.
    const behind = updatesOf(order.id, { token: customer.token, afterVersion: 1 });
    expect(await nextState(behind)).toMatchObject({
      status: 'SHIPPED',
      version: confirmed.version + 1,
    });
    await expect(behind.next(1_000)).rejects.toThrow(/no subscription event/);
  });

  it("refuses another customer's order with FORBIDDEN and streams nothing; admins may follow it", async () => {
    const order = await placedOrder(customer, product);
    const stranger = await signUpCustomer('Curious Stranger');
    const refused = updatesOf(order.id, { token: stranger.token });
    const result = await refused.next();
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['orderUpdated'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
    await refused.completed();

    const asAdmin = updatesOf(order.id, { token: admin });
    expect(await nextState(asAdmin)).toMatchObject({ id: order.id });
  });

  it('answers an unknown order id with BAD_USER_INPUT', async () => {
    const unknown = updatesOf(randomUUID(), { token: customer.token });
    const result = await unknown.next();
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await unknown.completed();
  });

  it('refuses a connection without a token, or with an invalid one, with close code 4401', async () => {
    const anonymous = track(subscribe(ORDER_UPDATES, { orderId: randomUUID() }));
    await expect(anonymous.next()).rejects.toThrow(/connection closed: 4401/);
    expect(await anonymous.closed()).toMatchObject({
      code: 4401,
      reason: expect.stringMatching(/authorization/),
    });

    const forged = track(
      subscribe(ORDER_UPDATES, { orderId: randomUUID() }, { token: `${customer.token}x` }),
    );
    expect(await forged.closed()).toEqual({
      code: 4401,
      reason: 'Unauthorized: Access token is invalid',
    });
  });

  it('answers an invalid subscription document with an error and keeps the connection usable', async () => {
    const client = createClient({
      url: gatewayUrl().replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${customer.token}` },
      retryAttempts: 0,
    });
    const outcome = (query: string, variables: Record<string, unknown> = {}) =>
      new Promise<{
        next: FormattedExecutionResult<Record<string, unknown>, unknown>[];
        error?: unknown;
      }>((resolve) => {
        const next: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
        const dispose = client.subscribe(
          { query, variables },
          {
            next: (value) => {
              next.push(value);
              dispose();
              resolve({ next });
            },
            error: (error) => resolve({ next, error }),
            complete: () => resolve({ next }),
          },
        );
      });
    try {
      const invalid = await outcome('subscription { orderUpdated(orderId: "x") { noSuchField } }');
      expect(invalid.error).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/noSuchField/),
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        }),
      ]);
      const unparsable = await outcome('subscription {');
      expect(unparsable.error).toEqual([
        expect.objectContaining({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
      ]);
      const query = await outcome('{ products(first: 1) { totalCount } }');
      expect(query.error).toEqual([
        expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } }),
      ]);

      const order = await placedOrder(customer, product);
      const valid = await outcome(ORDER_UPDATES, { orderId: order.id });
      expect(valid.error).toBeUndefined();
      expect(valid.next[0]?.data).toMatchObject({ orderUpdated: { id: order.id } });
    } finally {
      await client.dispose();
    }
  });

  it('ends a subscription with UNAUTHENTICATED when its token expires', async () => {
    const order = await placedOrder(customer, product);
    const secret = loadGatewayConfig(inject('testEnv')).JWT_SECRET;
    const shortLived = await issueAccessToken(secret, 2_500, {
      id: customer.id,
      roles: ['CUSTOMER'],
    });
    const stream = updatesOf(order.id, { token: shortLived });
    expect(await nextState(stream)).toMatchObject({ id: order.id });
    const ended = await eventually(
      async () =>
        stream.next(500).then(
          () => undefined,
          (err: Error) => (/no subscription event/.test(err.message) ? undefined : err),
        ),
      { timeoutMs: 10_000, what: 'the stream to end' },
    );
    expect(ended.message).toMatch(/UNAUTHENTICATED/);
    expect(ended.message).toMatch(/Access token has expired/);
  });

  it('delivers the next version to 1,000 concurrent subscribers of one order, resolving it once', async () => {
    const order = await placedOrder(customer, product);
    const confirmed = await orderReaching(customer.token, order.id, 'CONFIRMED');
    const subscribers: Array<TestSubscription<{ orderUpdated: Updated }>> = [];
    for (let batch = 0; batch < 10; batch++) {
      const opened = Array.from({ length: 100 }, () =>
        updatesOf(order.id, { token: customer.token }),
      );
      const firsts = await Promise.all(opened.map((s) => s.next(30_000)));
      expect(firsts.every((r) => r.data?.orderUpdated.version === confirmed.version)).toBe(true);
      subscribers.push(...opened);
    }
    const resolutionsBefore = await metric('graphql_subscription_resolutions_total');

    await gql(ShipOrderDocument, { id: order.id }, { token: admin });
    const shipped = await Promise.all(subscribers.map((s) => s.next(30_000)));
    expect(shipped.filter((r) => r.data?.orderUpdated.status === 'SHIPPED')).toHaveLength(1_000);
    // One shared resolution for everyone (a second only if the event raced a late join).
    const resolutions =
      (await metric('graphql_subscription_resolutions_total')) - resolutionsBefore;
    expect(resolutions).toBeGreaterThanOrEqual(1);
    expect(resolutions).toBeLessThanOrEqual(2);

    await Promise.all(subscribers.map((s) => s.close()));
    open.splice(0, open.length, ...open.filter((s) => !subscribers.includes(s as never)));
  }, 180_000);

  describe('with a second gateway', () => {
    let second: StackHandle | null = null;

    afterAll(async () => {
      await second?.stop();
    });

    it('delivers a change to a subscriber on each gateway', async () => {
      const log = createWriteStream(path.join(LOG_DIR, 'gateway-second.log'), { flags: 'w' });
      second = await startExtraGateway(
        4191,
        {},
        { onLine: (_service, line) => log.write(`${line}\n`) },
      );
      const secondUrl = second.gatewayUrl!;
      const order = await placedOrder(customer, product);
      const confirmed = await orderReaching(customer.token, order.id, 'CONFIRMED');
      const onFirst = updatesOf(order.id, { token: customer.token });
      const onSecond = updatesOf(order.id, {
        token: customer.token,
        url: secondUrl.replace(/^http/, 'ws'),
      });
      expect((await nextState(onFirst)).version).toBe(confirmed.version);
      expect((await nextState(onSecond)).version).toBe(confirmed.version);

      await gql(ShipOrderDocument, { id: order.id }, { token: admin });
      expect(await nextState(onFirst)).toMatchObject({ status: 'SHIPPED' });
      expect(await nextState(onSecond)).toMatchObject({ status: 'SHIPPED' });
    }, 120_000);
  });
});
