import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PlaceOrderDocument } from '../../client/__generated__/graphql.js';
import type { StackHandle } from '../../scripts/lib/stack.js';
import {
  customer,
  orderInput,
  placeOrder as placeDirectly,
  sagaBehind,
  seedProduct,
  startOrderService,
  type TestOrderService,
} from '../../subgraphs/order/test-support.js';
import { gql } from '../support/client.js';
import { startExtraGateway } from '../support/extra-gateway.js';
import { address, eventually, signUpCustomer } from '../support/fixtures.js';

/**
 * The order service's admission refusal as a client sees it through the
 * gateway (decision 14): a second gateway over the test stack whose order
 * subgraph is one with a low saga-delay threshold, put behind by an event
 * that waited 5 s. The refusal must reach the client as RATE_LIMITED with
 * the limiter's HTTP shape (429, Retry-After) and must not count against the
 * gateway's circuit breaker.
 */
let order: TestOrderService;
let stack: StackHandle;
let url: string;

beforeAll(async () => {
  order = await startOrderService('gwadmission', 4438, {
    ORDER_ADMISSION_SHED_DELAY: '1s',
    ORDER_ADMISSION_RESUME_DELAY: '300ms',
  });
  stack = await startExtraGateway(4197, {
    ORDER_URL: order.url,
    REDIS_KEY_PREFIX: `${inject('testEnv').REDIS_KEY_PREFIX}adm-${randomUUID().slice(0, 8)}:`,
    // Five failures would open the order breaker if refusals counted as failures.
    BREAKER_VOLUME_THRESHOLD: '2',
  });
  url = stack.gatewayUrl!;
});

afterAll(async () => {
  await stack?.stop();
  await order?.stop();
});

describe('placeOrder refused by the order service, through the gateway', () => {
  it('answers 429 RATE_LIMITED with retryAfter and Retry-After, and the breaker stays closed', async () => {
    const product = await seedProduct(order, { price: 400 });
    const earlier = await placeDirectly(order, customer(), orderInput([{ productId: product }]));
    await sagaBehind(order, earlier.id, 5_000);

    const buyer = await signUpCustomer();
    const input = {
      idempotencyKey: randomUUID(),
      items: [{ productId: product, quantity: 1 }],
      shippingAddress: address,
      paymentMethod: 'pm_card_visa',
    };
    for (let i = 0; i < 4; i++) {
      const res = await gql(PlaceOrderDocument, { input }, { url, token: buyer.token });
      expect(res.status).toBe(429);
      expect(res.data ?? null).toBeNull();
      expect(res.errors).toHaveLength(1);
      const extensions = res.errors![0]!.extensions!;
      expect(extensions.code).toBe('RATE_LIMITED');
      expect(extensions.retryAfter).toBeGreaterThanOrEqual(5);
      expect(res.headers.get('retry-after')).toBe(String(extensions.retryAfter));
      expect(res.errors![0]!.message).toMatch(/retry in \d+ s with the same idempotencyKey/);
    }
    expect(await order.sql('SELECT id FROM orders WHERE customer_id = $1', [buyer.id])).toEqual([]);

    // The breaker saw successful calls; all four refusals count as the order service's (the
    // first from it, the others from the gateway's short hold after it).
    const metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/circuit_breaker_state\{[^}]*subgraph="order"[^}]*\} 0/);
    expect(metrics).toMatch(/rate_limited_total\{[^}]*budget="order"[^}]*\} 4/);

    // Once the saga caught up, the same request places the order.
    const placed = await eventually(
      async () => {
        const res = await gql(PlaceOrderDocument, { input }, { url, token: buyer.token });
        return res.status === 200 ? res : null;
      },
      { timeoutMs: 10_000, intervalMs: 500, what: 'placeOrder admitted again' },
    );
    expect(placed.errors).toBeUndefined();
    expect(placed.data?.placeOrder.order?.id).toBeTruthy();
  });
});
