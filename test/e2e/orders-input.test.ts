import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MyOrdersDocument, PlaceOrderDocument } from '../../client/__generated__/graphql.js';
import { gql } from '../support/client.js';
import {
  address,
  adminToken,
  createProduct,
  signUpCustomer,
  type Customer,
  type NewProduct,
} from '../support/fixtures.js';

/** placeOrder refuses bad input clearly, and a refused order leaves nothing behind. */

let customer: Customer;
let product: NewProduct;

beforeAll(async () => {
  const admin = await adminToken();
  customer = await signUpCustomer();
  product = await createProduct(admin, { stock: 10 });
});

function input(patch: Record<string, unknown> = {}) {
  return {
    idempotencyKey: randomUUID(),
    items: [{ productId: product.id, quantity: 1 }],
    shippingAddress: address,
    paymentMethod: 'pm_card_visa',
    ...patch,
  };
}

async function orderCount() {
  const { data } = await gql(MyOrdersDocument, { first: 1 }, { token: customer.token });
  return data?.me?.orders.totalCount;
}

describe('placeOrder input', () => {
  it('needs a signed-in customer', async () => {
    const { data, errors } = await gql(PlaceOrderDocument, { input: input() });
    expect(data?.placeOrder ?? null).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['no lines', { items: [] }, ['items']],
    [
      '51 lines',
      { items: Array.from({ length: 51 }, () => ({ productId: randomUUID(), quantity: 1 })) },
      ['items'],
    ],
    ['a zero quantity', { items: [{ quantity: 0 }] }, ['items', '0', 'quantity']],
    ['a negative quantity', { items: [{ quantity: -2 }] }, ['items', '0', 'quantity']],
    ['a quantity over 1000', { items: [{ quantity: 1001 }] }, ['items', '0', 'quantity']],
    ['a payment method without pm_', { paymentMethod: 'card_visa' }, ['paymentMethod']],
    ['an empty city', { shippingAddress: { ...address, city: '' } }, ['shippingAddress', 'city']],
    [
      'a country that is not ISO 3166',
      { shippingAddress: { ...address, country: 'Germany' } },
      ['shippingAddress', 'country'],
    ],
    [
      'an over-long street',
      { shippingAddress: { ...address, line1: 'x'.repeat(1000) } },
      ['shippingAddress', 'line1'],
    ],
    ['an empty idempotency key', { idempotencyKey: '' }, ['idempotencyKey']],
  ])(
    'refuses %s with VALIDATION at the field and creates nothing',
    async (_label, patch, field) => {
      const before = await orderCount();
      const items = (patch as { items?: Record<string, unknown>[] }).items?.map((item) => ({
        productId: product.id,
        quantity: 1,
        ...item,
      }));
      const body = input({ ...patch, ...(items ? { items } : {}) });
      const { data, errors } = await gql(
        PlaceOrderDocument,
        { input: body },
        { token: customer.token },
      );
      expect(errors).toBeUndefined();
      expect(data?.placeOrder.order).toBeNull();
      expect(data?.placeOrder.userErrors).toContainEqual(
        expect.objectContaining({ code: 'VALIDATION', field }),
      );
      expect(await orderCount()).toBe(before);
    },
  );

  it('refuses unknown and malformed product ids with PRODUCT_UNAVAILABLE at the line', async () => {
    for (const productId of [randomUUID(), 'definitely-not-an-id']) {
      const { data } = await gql(
        PlaceOrderDocument,
        {
          input: input({
            items: [
              { productId: product.id, quantity: 1 },
              { productId, quantity: 1 },
            ],
          }),
        },
        { token: customer.token },
      );
      expect(data?.placeOrder).toMatchObject({
        order: null,
        userErrors: [{ code: 'PRODUCT_UNAVAILABLE', field: ['items', '1', 'productId'] }],
      });
    }
  });

  it('answers wrong types and out-of-range integers with a GraphQL error, not a crash', async () => {
    const huge = await gql(
      PlaceOrderDocument,
      { input: input({ items: [{ productId: product.id, quantity: 2 ** 40 }] }) },
      { token: customer.token },
    );
    expect(huge.data ?? null).toBeNull();
    expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(
      huge.errors?.[0]?.extensions?.code,
    );
    const wrongType = await gql(
      PlaceOrderDocument,
      { input: input({ items: [{ productId: product.id, quantity: 'two' }] }) },
      { token: customer.token },
    );
    expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(
      wrongType.errors?.[0]?.extensions?.code,
    );
    for (const error of [...(huge.errors ?? []), ...(wrongType.errors ?? [])]) {
      expect(JSON.stringify(error)).not.toMatch(/stack|127\.0\.0\.1|localhost|SELECT/i);
    }
  });
});
