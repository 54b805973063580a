import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdjustStockDocument,
  AdminOrderDocument,
  AdminOrdersDocument,
  ArchiveProductDocument,
  CatalogDocument,
  CreateProductDocument,
  DeliverOrderDocument,
  OrderDetailDocument,
  PlaceOrderDocument,
  ProductDetailDocument,
  ShipOrderDocument,
  UpdateProductDocument,
} from '../../client/__generated__/graphql.js';
import { gql } from '../support/client.js';
import {
  address,
  adminToken,
  createProduct,
  orderReaching,
  signUpCustomer,
  unique,
  type Customer,
  placeOrder,
} from '../support/fixtures.js';

/** The back office's operations: who may call them, and what they refuse. */

let admin: string;
let customer: Customer;

beforeAll(async () => {
  admin = await adminToken();
  customer = await signUpCustomer();
});

const codes = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) =>
  (errors ?? []).map((e) => e.extensions?.code);

describe('back-office operations through the gateway', () => {
  it('refuses every admin operation to customers (FORBIDDEN) and anonymous callers (UNAUTHENTICATED), changing nothing', async () => {
    const product = await createProduct(admin, { price: 1000, stock: 3 });
    const order = (await placeOrder(customer, product, 1)).data!.placeOrder.order!;
    await orderReaching(customer.token, order.id, 'CONFIRMED');

    const attempts = [
      () => [
        CreateProductDocument,
        {
          input: {
            sku: unique('NOPE'),
            name: 'Nope',
            category: 'x',
            price: { amount: 1, currency: 'EUR' },
          },
        },
      ],
      () => [
        UpdateProductDocument,
        { input: { id: product.id, price: { amount: 1, currency: 'EUR' } } },
      ],
      () => [AdjustStockDocument, { input: { productId: product.id, delta: 100 } }],
      () => [ArchiveProductDocument, { id: product.id }],
      () => [ShipOrderDocument, { id: order.id }],
      () => [DeliverOrderDocument, { id: order.id }],
      () => [AdminOrdersDocument, {}],
    ] as const;
    for (const attempt of attempts) {
      const [document, variables] = attempt();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const asCustomer = await gql(document as any, variables, { token: customer.token });
      expect(codes(asCustomer.errors), JSON.stringify(variables)).toContain('FORBIDDEN');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const anonymous = await gql(document as any, variables);
      expect(codes(anonymous.errors), JSON.stringify(variables)).toContain('UNAUTHENTICATED');
    }

    const after = await gql(ProductDetailDocument, { id: product.id });
    expect(after.data?.product).toMatchObject({
      price: { amount: 1000 },
      inventory: { available: 2 },
    });
    const orderAfter = await gql(OrderDetailDocument, { id: order.id }, { token: customer.token });
    expect(orderAfter.data?.order?.status).toBe('CONFIRMED');
  });

  it('refuses a duplicate SKU', async () => {
    const product = await createProduct(admin);
    const { data } = await gql(
      CreateProductDocument,
      {
        input: {
          sku: product.sku,
          name: 'Twin',
          category: 'x',
          price: { amount: 5, currency: 'EUR' },
        },
      },
      { token: admin },
    );
    expect(data?.createProduct).toMatchObject({
      product: null,
      userErrors: [{ code: 'DUPLICATE_SKU', field: ['sku'] }],
    });
  });

  it.each([
    ['a negative price', { price: { amount: -1, currency: 'EUR' } }, ['price', 'amount']],
    ['a bad currency', { price: { amount: 100, currency: 'euro' } }, ['price', 'currency']],
    ['an empty name', { name: '' }, ['name']],
    ['an over-long name', { name: 'n'.repeat(5000) }, ['name']],
    ['an empty sku', { sku: '' }, ['sku']],
  ])('refuses a product with %s', async (_label, patch, field) => {
    const input = {
      sku: unique('BAD'),
      name: 'Bad product',
      category: 'x',
      price: { amount: 100, currency: 'EUR' },
      ...patch,
    };
    const { data } = await gql(CreateProductDocument, { input }, { token: admin });
    expect(data?.createProduct.product).toBeNull();
    expect(data?.createProduct.userErrors).toContainEqual(
      expect.objectContaining({ code: 'VALIDATION', field }),
    );
    const catalog = await gql(CatalogDocument, { search: input.sku || 'BAD-never' });
    expect(catalog.data?.products.edges.some((e) => e.node.sku === input.sku)).toBe(false);
  });

  it('shows a price update to every reader within a second', async () => {
    const product = await createProduct(admin, { price: 1500 });
    // Warm the caches: detail and list.
    await gql(ProductDetailDocument, { id: product.id });
    await gql(CatalogDocument, { search: product.sku });
    const updated = await gql(
      UpdateProductDocument,
      { input: { id: product.id, price: { amount: 1750, currency: 'EUR' } } },
      { token: admin },
    );
    expect(updated.data?.updateProduct.product?.price.amount).toBe(1750);
    await new Promise((r) => setTimeout(r, 1000));
    const detail = await gql(ProductDetailDocument, { id: product.id });
    const list = await gql(CatalogDocument, { search: product.sku });
    expect(detail.data?.product?.price.amount).toBe(1750);
    expect(list.data?.products.edges[0]?.node.price.amount).toBe(1750);
  });

  it('refuses adjustStock below what is reserved, and unknown or malformed products', async () => {
    const product = await createProduct(admin, { stock: 2 });
    const below = await gql(
      AdjustStockDocument,
      { input: { productId: product.id, delta: -3 } },
      { token: admin },
    );
    expect(below.data?.adjustStock).toMatchObject({
      product: null,
      userErrors: [{ field: ['delta'] }],
    });
    for (const productId of [randomUUID(), 'not-an-id']) {
      const unknown = await gql(
        AdjustStockDocument,
        { input: { productId, delta: 1 } },
        { token: admin },
      );
      expect(unknown.data?.adjustStock).toMatchObject({
        product: null,
        userErrors: [{ code: 'NOT_FOUND', field: ['productId'] }],
      });
    }
    expect((await gql(ProductDetailDocument, { id: product.id })).data?.product?.inventory).toEqual(
      {
        available: 2,
        inStock: true,
      },
    );
  });

  it('hides an archived product from the catalogue and refuses to order it, but past orders still show it', async () => {
    const product = await createProduct(admin, { stock: 5, name: 'Soon Archived' });
    const input = (quantity: number) => ({
      input: {
        idempotencyKey: randomUUID(),
        items: [{ productId: product.id, quantity }],
        shippingAddress: address,
        paymentMethod: 'pm_card_visa',
      },
    });
    const past = (await gql(PlaceOrderDocument, input(1), { token: customer.token })).data!
      .placeOrder.order!;
    const archived = await gql(ArchiveProductDocument, { id: product.id }, { token: admin });
    expect(archived.data?.archiveProduct).toMatchObject({
      product: { id: product.id },
      userErrors: [],
    });

    await expect
      .poll(
        async () => (await gql(CatalogDocument, { search: product.sku })).data?.products.totalCount,
      )
      .toBe(0);
    await expect
      .poll(
        async () =>
          (await gql(PlaceOrderDocument, input(1), { token: customer.token })).data?.placeOrder
            .userErrors[0],
        { timeout: 5_000 },
      )
      .toMatchObject({ code: 'PRODUCT_UNAVAILABLE', field: ['items', '0', 'productId'] });
    const history = await gql(AdminOrderDocument, { id: past.id }, { token: admin });
    expect(history.data?.order?.items[0]?.product).toMatchObject({
      id: product.id,
      sku: product.sku,
    });
  });

  it('filters all orders by status and customer for admins', async () => {
    const shopper = await signUpCustomer();
    const product = await createProduct(admin, { stock: 5 });
    const order = (await placeOrder(shopper, product, 1)).data!.placeOrder.order!;
    await orderReaching(shopper.token, order.id, 'CONFIRMED');
    const confirmed = await gql(
      AdminOrdersDocument,
      { customerId: shopper.id, status: 'CONFIRMED' },
      { token: admin },
    );
    expect(confirmed.data?.orders).toMatchObject({
      totalCount: 1,
      edges: [
        {
          node: {
            id: order.id,
            status: 'CONFIRMED',
            customer: { id: shopper.id, email: shopper.email },
          },
        },
      ],
    });
    const pending = await gql(
      AdminOrdersDocument,
      { customerId: shopper.id, status: 'PENDING' },
      { token: admin },
    );
    expect(pending.data?.orders.totalCount).toBe(0);
  });
});
