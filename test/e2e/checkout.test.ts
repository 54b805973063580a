import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdminOrderDocument,
  AdminOrdersDocument,
  CancelOrderDocument,
  CatalogDocument,
  DeliverOrderDocument,
  MyOrdersDocument,
  OrderDetailDocument,
  ProductDetailDocument,
  ShipOrderDocument,
} from '../../client/__generated__/graphql.js';
import { gql } from '../support/client.js';
import {
  address,
  adminToken,
  createProduct,
  orderReaching,
  placeOrder,
  signUpCustomer,
  type Customer,
} from '../support/fixtures.js';

/**
 * The storefront's whole journey through the gateway, driven by the order
 * saga over the real Kafka broker: browse, order, pay, ship, deliver, and the
 * ways an order ends early.
 */

let admin: string;
let customer: Customer;

beforeAll(async () => {
  admin = await adminToken();
  customer = await signUpCustomer('Journey Customer');
});

async function stockOf(productId: string) {
  const { data } = await gql(ProductDetailDocument, { id: productId });
  return data?.product?.inventory;
}

describe('checkout through the gateway', () => {
  it('finds a product in the catalogue with its price and stock', async () => {
    const product = await createProduct(admin, { price: 2500, stock: 5, name: 'Catalogue Lamp' });
    const { data, errors } = await gql(CatalogDocument, { search: product.sku, first: 5 });
    expect(errors).toBeUndefined();
    expect(data?.products.totalCount).toBe(1);
    expect(data?.products.edges[0]?.node).toMatchObject({
      id: product.id,
      sku: product.sku,
      price: { amount: 2500, currency: 'EUR' },
      inventory: { available: 5, inStock: true },
    });
    const detail = await gql(ProductDetailDocument, { id: product.id });
    expect(detail.data?.product).toMatchObject({
      category: 'test',
      description: expect.any(String),
    });
  });

  it('confirms a paid order, commits its stock, then ships and delivers it', async () => {
    const product = await createProduct(admin, { price: 2500, stock: 5 });
    const placed = await placeOrder(customer, product, 2);
    expect(placed.errors).toBeUndefined();
    const order = placed.data!.placeOrder.order!;
    expect(placed.data!.placeOrder.userErrors).toEqual([]);
    expect(order).toMatchObject({
      status: 'PENDING',
      statusReason: null,
      version: 1,
      total: { amount: 5000, currency: 'EUR' },
    });

    const confirmed = await orderReaching(customer.token, order.id, 'CONFIRMED');
    expect(confirmed.version).toBeGreaterThan(1);
    expect(confirmed.items).toEqual([
      {
        quantity: 2,
        unitPrice: { amount: 2500, currency: 'EUR' },
        lineTotal: { amount: 5000, currency: 'EUR' },
        product: { id: product.id, sku: product.sku, name: product.name },
      },
    ]);
    expect(confirmed.customer).toEqual({ id: customer.id, email: customer.email });
    expect(confirmed.shippingAddress).toEqual(address);
    expect(confirmed.payment).toMatchObject({
      status: 'SUCCEEDED',
      amount: { amount: 5000, currency: 'EUR' },
      failureReason: null,
    });
    await expect.poll(() => stockOf(product.id)).toMatchObject({ available: 3 });
    const adminView = await gql(AdminOrderDocument, { id: order.id }, { token: admin });
    expect(adminView.data?.order?.items[0]?.product.inventory).toEqual({
      onHand: 3,
      reserved: 0,
      available: 3,
    });

    const shipped = await gql(ShipOrderDocument, { id: order.id }, { token: admin });
    expect(shipped.data?.shipOrder.order).toMatchObject({
      status: 'SHIPPED',
      version: confirmed.version + 1,
    });
    const lateCancel = await gql(CancelOrderDocument, { id: order.id }, { token: customer.token });
    expect(lateCancel.data?.cancelOrder).toMatchObject({
      order: null,
      userErrors: [{ code: 'INVALID_STATE' }],
    });
    const delivered = await gql(DeliverOrderDocument, { id: order.id }, { token: admin });
    expect(delivered.data?.deliverOrder.order).toMatchObject({
      status: 'DELIVERED',
      version: confirmed.version + 2,
    });
  });

  it('cancels with PAYMENT_DECLINED and restores the stock when the card is declined', async () => {
    const product = await createProduct(admin, { stock: 4 });
    const placed = await placeOrder(customer, product, 3, {
      paymentMethod: 'pm_card_chargeDeclined',
    });
    const order = await orderReaching(
      customer.token,
      placed.data!.placeOrder.order!.id,
      'CANCELLED',
    );
    expect(order.statusReason).toBe('PAYMENT_DECLINED');
    expect(order.payment).toMatchObject({ status: 'FAILED', failureReason: 'card_declined' });
    await expect.poll(() => stockOf(product.id)).toMatchObject({ available: 4 });
  });

  it('cancels with OUT_OF_STOCK and charges nothing when stock does not cover the order', async () => {
    const product = await createProduct(admin, { stock: 1 });
    const placed = await placeOrder(customer, product, 2);
    const order = await orderReaching(
      customer.token,
      placed.data!.placeOrder.order!.id,
      'CANCELLED',
    );
    expect(order.statusReason).toBe('OUT_OF_STOCK');
    expect(order.payment).toBeNull();
    expect(await stockOf(product.id)).toMatchObject({ available: 1 });
  });

  it('refunds and returns the stock when the customer cancels a paid order', async () => {
    const product = await createProduct(admin, { stock: 3 });
    const placed = await placeOrder(customer, product, 1);
    const confirmed = await orderReaching(
      customer.token,
      placed.data!.placeOrder.order!.id,
      'CONFIRMED',
    );
    const cancelled = await gql(
      CancelOrderDocument,
      { id: confirmed.id },
      { token: customer.token },
    );
    expect(cancelled.data?.cancelOrder.order).toMatchObject({
      status: 'CANCELLED',
      statusReason: 'CUSTOMER_CANCELLED',
      version: confirmed.version + 1,
    });
    await expect
      .poll(
        async () =>
          (await gql(OrderDetailDocument, { id: confirmed.id }, { token: customer.token })).data
            ?.order?.payment?.status,
        { timeout: 15_000 },
      )
      .toBe('REFUNDED');
    await expect
      .poll(() => stockOf(product.id), { timeout: 15_000 })
      .toMatchObject({ available: 3 });
  });

  it('returns the same order for a repeated idempotency key and refuses the key with other content', async () => {
    const product = await createProduct(admin, { stock: 10 });
    const key = randomUUID();
    const first = await placeOrder(customer, product, 1, { idempotencyKey: key });
    const again = await placeOrder(customer, product, 1, { idempotencyKey: key });
    expect(again.data!.placeOrder.order!.id).toBe(first.data!.placeOrder.order!.id);
    const different = await placeOrder(customer, product, 2, { idempotencyKey: key });
    expect(different.data!.placeOrder).toMatchObject({
      order: null,
      userErrors: [{ code: 'VALIDATION', field: ['idempotencyKey'] }],
    });
    const mine = await gql(
      AdminOrdersDocument,
      { customerId: customer.id, first: 100 },
      { token: admin },
    );
    const withKey = mine.data!.orders.edges.filter(
      (e) => e.node.id === first.data!.placeOrder.order!.id,
    );
    expect(withKey).toHaveLength(1);
  });

  it('lists my orders newest first, across every subgraph', async () => {
    const shopper = await signUpCustomer();
    const product = await createProduct(admin, { stock: 10, name: 'Listed Chair' });
    const older = (await placeOrder(shopper, product, 1)).data!.placeOrder.order!;
    const newer = (await placeOrder(shopper, product, 2)).data!.placeOrder.order!;
    const { data, errors } = await gql(MyOrdersDocument, { first: 1 }, { token: shopper.token });
    expect(errors).toBeUndefined();
    expect(data?.me?.orders.totalCount).toBe(2);
    expect(data?.me?.orders.edges[0]?.node).toMatchObject({
      id: newer.id,
      items: [
        {
          quantity: 2,
          product: { name: 'Listed Chair', inventory: { available: expect.any(Number) } },
        },
      ],
    });
    expect(data?.me?.orders.pageInfo.hasNextPage).toBe(true);
    const next = await gql(
      MyOrdersDocument,
      { first: 1, after: data!.me!.orders.pageInfo.endCursor },
      { token: shopper.token },
    );
    expect(next.data?.me?.orders.edges.map((e) => e.node.id)).toEqual([older.id]);
    expect(next.data?.me?.orders.pageInfo.hasNextPage).toBe(false);
  });

  it("shows another customer's order to nobody but its customer and admins", async () => {
    const product = await createProduct(admin, { stock: 2 });
    const order = (await placeOrder(customer, product, 1)).data!.placeOrder.order!;
    const stranger = await signUpCustomer();
    const peek = await gql(OrderDetailDocument, { id: order.id }, { token: stranger.token });
    expect(peek.data?.order).toBeNull();
    expect(peek.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    const cancel = await gql(CancelOrderDocument, { id: order.id }, { token: stranger.token });
    expect(cancel.data?.cancelOrder.order ?? null).toBeNull();
    const adminView = await gql(AdminOrderDocument, { id: order.id }, { token: admin });
    expect(adminView.data?.order?.customer).toMatchObject({
      id: customer.id,
      email: customer.email,
    });
    const still = await gql(OrderDetailDocument, { id: order.id }, { token: customer.token });
    expect(still.data?.order?.status).not.toBe('CANCELLED');
  });
});
