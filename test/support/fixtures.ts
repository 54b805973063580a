import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import {
  AdjustStockDocument,
  CreateProductDocument,
  LogInDocument,
  OrderDetailDocument,
  PlaceOrderDocument,
  SignUpDocument,
  type OrderDetailQuery,
} from '../../client/__generated__/graphql.js';
import { gql } from './client.js';
import './provided.js';

/**
 * Building blocks for end-to-end tests, each going through the public
 * gateway with the contract's own operations, as a client would.
 */

export const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

export interface Customer {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

export async function signUpCustomer(name = 'Test Customer'): Promise<Customer> {
  const email = `${unique('customer')}@example.com`;
  const { data, errors } = await gql(SignUpDocument, {
    input: { email, password: 'correct-horse-battery', name },
  });
  const payload = data?.signUp;
  if (!payload?.accessToken || !payload.user || !payload.refreshToken) {
    throw new Error(`signUp failed: ${JSON.stringify(errors ?? payload?.userErrors)}`);
  }
  return {
    id: payload.user.id,
    email,
    token: payload.accessToken,
    refreshToken: payload.refreshToken,
  };
}

/** The admin account the stack ensures at start-up (ADMIN_EMAIL / ADMIN_PASSWORD defaults). */
export async function adminToken(): Promise<string> {
  const env = inject('testEnv');
  const { data } = await gql(LogInDocument, {
    input: {
      email: env.ADMIN_EMAIL || 'admin@example.com',
      password: env.ADMIN_PASSWORD || 'admin-dev-password',
    },
  });
  const token = data?.logIn.accessToken;
  if (!token) throw new Error('admin could not log in');
  return token;
}

export interface NewProduct {
  id: string;
  sku: string;
  name: string;
  price: { amount: number; currency: string };
}

/** Creates a product (and gives it stock when `stock` > 0), as the back office would. */
export async function createProduct(
  admin: string,
  options: { price?: number; stock?: number; category?: string; name?: string } = {},
): Promise<NewProduct> {
  const sku = unique('SKU').toUpperCase();
  const { data, errors } = await gql(
    CreateProductDocument,
    {
      input: {
        sku,
        name: options.name ?? `Product ${sku}`,
        description: 'A product made by a test',
        category: options.category ?? 'test',
        price: { amount: options.price ?? 1999, currency: 'EUR' },
      },
    },
    { token: admin },
  );
  const product = data?.createProduct.product;
  if (!product) {
    throw new Error(
      `createProduct failed: ${JSON.stringify(errors ?? data?.createProduct.userErrors)}`,
    );
  }
  if (options.stock) {
    const adjusted = await gql(
      AdjustStockDocument,
      { input: { productId: product.id, delta: options.stock } },
      { token: admin },
    );
    if (!adjusted.data?.adjustStock.product) {
      throw new Error(`adjustStock failed: ${JSON.stringify(adjusted)}`);
    }
  }
  return { id: product.id, sku, name: product.name, price: product.price };
}

export const address = {
  line1: '1 Test Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

/** Polls until `check` returns a value, or fails with the last thing seen. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface PlaceOrderOptions {
  paymentMethod?: string;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** Another gateway than the test stack's. */
  url?: string;
}

/** Sends the storefront's PlaceOrder for one line, as `who`; returns the raw result. */
export function placeOrder(
  who: { token: string },
  product: { id: string },
  quantity = 1,
  options: PlaceOrderOptions = {},
) {
  return gql(
    PlaceOrderDocument,
    {
      input: {
        idempotencyKey: options.idempotencyKey ?? randomUUID(),
        items: [{ productId: product.id, quantity }],
        shippingAddress: address,
        paymentMethod: options.paymentMethod ?? 'pm_card_visa',
      },
    },
    { token: who.token, headers: options.headers, url: options.url },
  );
}

/**
 * `placeOrder` as a well-behaved client sends it: an answer that says
 * "not now" (RATE_LIMITED: after its `retryAfter`; SUBGRAPH_UNAVAILABLE: the
 * order service did not answer in time, so the order may or may not exist)
 * is followed by the same request with the same idempotencyKey, which the
 * contract answers with the order placed the first time, if it was. For
 * tests that load a shared machine hard enough to be shed or stalled.
 */
export async function placeOrderRetrying(
  who: { token: string },
  product: { id: string },
  quantity = 1,
  options: PlaceOrderOptions = {},
) {
  const sent = { ...options, idempotencyKey: options.idempotencyKey ?? randomUUID() };
  for (let attempt = 1; ; attempt++) {
    const result = await placeOrder(who, product, quantity, sent);
    const notNow = result.errors?.find(
      (e) => e.extensions?.code === 'RATE_LIMITED' || e.extensions?.code === 'SUBGRAPH_UNAVAILABLE',
    );
    if (!notNow || attempt >= 10) return result;
    const seconds = Number(notNow.extensions?.retryAfter ?? 0.5);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0.5, seconds) * 1000));
  }
}

/** Like `placeOrder`, for tests that need the order placed: fails loudly otherwise. */
export async function placedOrder(
  who: { token: string },
  product: { id: string },
  quantity = 1,
  options: PlaceOrderOptions = {},
) {
  const { data, errors } = await placeOrder(who, product, quantity, options);
  const order = data?.placeOrder.order;
  if (!order) throw new Error(`placeOrder failed: ${JSON.stringify(errors ?? data)}`);
  return order;
}

type Order = NonNullable<OrderDetailQuery['order']>;

/** Waits until the order reaches `status`, reading it as its customer (or an admin) would. */
export async function orderReaching(
  token: string,
  orderId: string,
  status: Order['status'],
  timeoutMs = 20_000,
): Promise<Order> {
  let last: Order | null | undefined;
  try {
    return await eventually(
      async () => {
        const { data } = await gql(OrderDetailDocument, { id: orderId }, { token });
        last = data?.order;
        return last?.status === status ? last : undefined;
      },
      { timeoutMs, what: `order ${orderId} to reach ${status}` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
}
