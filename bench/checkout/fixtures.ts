import { randomUUID } from 'node:crypto';
import {
  AdjustStockDocument,
  CreateProductDocument,
  LogInDocument,
  SignUpDocument,
} from '../../client/__generated__/graphql.js';
import type { GatewayClient } from './client.js';

/**
 * What the checkout benchmark buys with, created through the gateway before
 * any phase: customers (each with a token), a catalogue of well-stocked
 * products, and a few products with little stock so that some orders are
 * refused OUT_OF_STOCK and the oversell check has something to bite on.
 */

export interface BenchCustomer {
  id: string;
  token: string;
}

export interface BenchProduct {
  id: string;
  /** Stock given at set-up: the bound the oversell check holds the product to. */
  initialStock: number;
  limited: boolean;
}

export interface Catalogue {
  plentiful: BenchProduct[];
  limited: BenchProduct[];
}

/** Runs `task` for 0..count-1 with at most `concurrency` in flight. */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

export async function adminToken(client: GatewayClient, env: Record<string, string>) {
  const data = await client.must(LogInDocument, {
    input: {
      email: env.ADMIN_EMAIL || 'admin@example.com',
      password: env.ADMIN_PASSWORD || 'admin-dev-password',
    },
  });
  if (!data.logIn.accessToken) throw new Error('admin could not log in');
  return data.logIn.accessToken;
}

/** Sign-ups hash a password (scrypt), so a few at a time: the user subgraph's thread pool is 4. */
export async function signUpCustomers(
  client: GatewayClient,
  count: number,
): Promise<BenchCustomer[]> {
  return inParallel(count, 4, async (i) => {
    const data = await client.must(SignUpDocument, {
      input: {
        email: `checkout-${i}-${randomUUID().slice(0, 8)}@example.com`,
        password: 'correct-horse-battery',
        name: `Checkout Customer ${i}`,
      },
    });
    const { accessToken, user } = data.signUp;
    if (!accessToken || !user) throw new Error(`signUp: ${JSON.stringify(data.signUp.userErrors)}`);
    return { id: user.id, token: accessToken };
  });
}

async function createProduct(
  client: GatewayClient,
  admin: string,
  stock: number,
  limited: boolean,
): Promise<BenchProduct> {
  const sku = `CHK-${randomUUID().slice(0, 8)}`.toUpperCase();
  const created = await client.must(
    CreateProductDocument,
    {
      input: {
        sku,
        name: `${limited ? 'Limited' : 'Everyday'} ${sku}`,
        description: 'Created by the checkout benchmark',
        category: 'bench',
        price: { amount: 1000 + Math.floor(Math.random() * 9000), currency: 'EUR' },
      },
    },
    admin,
  );
  const product = created.createProduct.product;
  if (!product) throw new Error(`createProduct: ${JSON.stringify(created.createProduct)}`);
  const adjusted = await client.must(
    AdjustStockDocument,
    { input: { productId: product.id, delta: stock } },
    admin,
  );
  if (!adjusted.adjustStock.product) {
    throw new Error(`adjustStock: ${JSON.stringify(adjusted.adjustStock.userErrors)}`);
  }
  return { id: product.id, initialStock: stock, limited };
}

export async function createCatalogue(
  client: GatewayClient,
  admin: string,
  sizes: { plentiful: number; plentifulStock: number; limited: number; limitedStock: number },
): Promise<Catalogue> {
  const plentiful = await inParallel(sizes.plentiful, 4, () =>
    createProduct(client, admin, sizes.plentifulStock, false),
  );
  const limited = await inParallel(sizes.limited, 4, () =>
    createProduct(client, admin, sizes.limitedStock, true),
  );
  return { plentiful, limited };
}
