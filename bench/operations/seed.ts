import { randomUUID } from 'node:crypto';
import {
  AdjustStockDocument,
  CreateProductDocument,
  LogInDocument,
  OrderDetailDocument,
  PlaceOrderDocument,
  SignUpDocument,
} from '../../client/__generated__/graphql.js';
import { gql, type GqlResult } from '../../test/support/client.js';

/**
 * The benchmark's data, made through the gateway with the contract's own
 * operations, as the back office and customers would: the admin creates a
 * catalogue with stock, customers sign up and place orders that go through the
 * whole saga (reserved, paid, CONFIRMED), so MyOrders crosses all five
 * subgraphs on real rows.
 */

export interface Seeded {
  productIds: string[];
  /** Access tokens of the customers, each with its CONFIRMED orders. */
  customerTokens: string[];
}

export const CATEGORIES = ['Coffee', 'Brewing', 'Accessories', 'Tea', 'Kitchen'];
/** The seeded products' names: what a shopper would type in the search box. */
export const productName = (i: number) => `Bench product ${i.toString().padStart(3, '0')}`;
const ADDRESS = { line1: '1 Bench Road', city: 'Berlin', postalCode: '10115', country: 'DE' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function must<T>(what: string, result: GqlResult<unknown>, value: T | null | undefined): T {
  if (value === null || value === undefined) {
    throw new Error(`${what} failed: ${JSON.stringify(result.errors ?? result.data)}`);
  }
  return value;
}

/**
 * Retries while a service has not yet seen the event it needs (inventory
 * learns of a product, order of its price, from product events), which shows
 * as a userError with one of `codes`.
 */
async function untilKnown<T extends { userErrors: { code: string }[] }>(
  what: string,
  codes: string[],
  send: () => Promise<GqlResult<unknown> & { payload: T | undefined }>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const result = await send();
    const payload = must(what, result, result.payload);
    const waiting = payload.userErrors.some((e) => codes.includes(e.code));
    if (payload.userErrors.length === 0) return payload;
    if (!waiting || attempt >= 60) throw new Error(`${what}: ${JSON.stringify(payload)}`);
    await sleep(250);
  }
}

/**
 * Sends again (same request, so the same idempotencyKey) after the hinted
 * `retryAfter` while the stack sheds load with RATE_LIMITED, as a client
 * should: seeding a thousand orders on two cores can outrun the saga
 * (decision 14), and on a starved machine the gateway itself sheds any
 * request (decision 23). A refused request changed nothing.
 */
async function admitted<T>(send: () => Promise<GqlResult<T>>): Promise<GqlResult<T>> {
  for (let attempt = 1; ; attempt++) {
    const result = await send();
    const limited = result.errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
    if (!limited || attempt >= 30) return result;
    await sleep(1_000 * Math.max(1, Number(limited.extensions?.retryAfter ?? 1)));
  }
}

async function adminToken(url: string, email: string, password: string): Promise<string> {
  const result = await admitted(() => gql(LogInDocument, { input: { email, password } }, { url }));
  return must('admin logIn', result, result.data?.logIn.accessToken);
}

async function createProducts(url: string, admin: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const sku = `OPS-${i.toString().padStart(3, '0')}-${randomUUID().slice(0, 6)}`.toUpperCase();
    const result = await admitted(() =>
      gql(
        CreateProductDocument,
        {
          input: {
            sku,
            name: productName(i),
            description: 'Made by the operations benchmark.',
            category: CATEGORIES[i % CATEGORIES.length]!,
            price: { amount: 500 + 37 * i, currency: 'EUR' },
          },
        },
        { url, token: admin },
      ),
    );
    ids.push(must(`createProduct ${sku}`, result, result.data?.createProduct.product?.id));
  }
  for (const productId of ids) {
    await untilKnown('adjustStock', ['NOT_FOUND'], async () => {
      const result = await admitted(() =>
        gql(AdjustStockDocument, { input: { productId, delta: 100_000 } }, { url, token: admin }),
      );
      return { ...result, payload: result.data?.adjustStock };
    });
  }
  return ids;
}

async function signUp(url: string): Promise<string> {
  const email = `ops-${randomUUID().slice(0, 8)}@example.com`;
  const result = await admitted(() =>
    gql(
      SignUpDocument,
      { input: { email, password: 'correct-horse-battery', name: 'Bench Customer' } },
      { url },
    ),
  );
  return must('signUp', result, result.data?.signUp.accessToken);
}

/** Orders of one to three lines over the catalogue, placed one after another; returns their ids. */
async function placeOrders(
  url: string,
  token: string,
  productIds: string[],
  count: number,
  seed: number,
) {
  const orderIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const lines = 1 + ((seed + i) % 3);
    const items = Array.from({ length: lines }, (_, j) => ({
      productId: productIds[(seed * 11 + i * 7 + j * 13) % productIds.length]!,
      quantity: 1 + j,
    }));
    const idempotencyKey = randomUUID();
    const payload = await untilKnown('placeOrder', ['PRODUCT_UNAVAILABLE'], async () => {
      const result = await admitted(() =>
        gql(
          PlaceOrderDocument,
          {
            input: {
              idempotencyKey,
              items,
              shippingAddress: ADDRESS,
              paymentMethod: 'pm_card_visa',
            },
          },
          { url, token },
        ),
      );
      return { ...result, payload: result.data?.placeOrder };
    });
    if (!payload.order) throw new Error(`placeOrder answered no order: ${JSON.stringify(payload)}`);
    orderIds.push(payload.order.id);
  }
  return orderIds;
}

/** Waits until the saga has taken every order to CONFIRMED (any other end state fails the run). */
async function confirmed(url: string, token: string, orderIds: string[]): Promise<void> {
  for (const id of orderIds) {
    for (let tries = 0; ; tries++) {
      const result = await admitted(() => gql(OrderDetailDocument, { id }, { url, token }));
      const status = result.data?.order?.status;
      if (status === 'CONFIRMED') break;
      if (tries > 600 || status === 'CANCELLED') {
        throw new Error(`order ${id} did not reach CONFIRMED: ${JSON.stringify(result)}`);
      }
      await sleep(100);
    }
  }
}

/** Runs `work` for 0..count-1, at most `parallel` at a time. */
async function pooled<T>(count: number, parallel: number, work: (i: number) => Promise<T>) {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

export async function seed(
  url: string,
  admin: { email: string; password: string },
  counts: { products: number; customers: number; ordersPerCustomer: number },
): Promise<Seeded> {
  const token = await adminToken(url, admin.email, admin.password);
  const productIds = await createProducts(url, token, counts.products);
  // Customers shop side by side, as they would; each one's orders in sequence.
  const customerTokens = await pooled(counts.customers, 12, async (c) => {
    const customer = await signUp(url);
    const orderIds = await placeOrders(url, customer, productIds, counts.ordersPerCustomer, c);
    await confirmed(url, customer, orderIds);
    return customer;
  });
  return { productIds, customerTokens };
}
