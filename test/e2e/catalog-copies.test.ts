import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AdjustStockDocument,
  ArchiveProductDocument,
  CatalogDocument,
  ProductDetailDocument,
  UpdateProductDocument,
} from '../../client/__generated__/graphql.js';
import { gatewayUrl, gql } from '../support/client.js';
import { adminToken, createProduct, unique } from '../support/fixtures.js';

/**
 * The gateway keeps the product subgraph's answers (decision 27): what a
 * shopper notices is only that the catalogue is fast, never that it is old.
 */

let admin: string;

beforeAll(async () => {
  admin = await adminToken();
});

const metrics = async (graphqlUrl: string) =>
  (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();

/** The sum of a counter's samples whose labels include every `labels` pair. */
function counter(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const productUrl = () => `http://127.0.0.1:${inject('testEnv').PRODUCT_PORT}/graphql`;

async function detail(id: string) {
  const { data, errors } = await gql(ProductDetailDocument, { id });
  expect(errors).toBeUndefined();
  return data!.product!;
}

describe('the catalogue through the gateway', () => {
  it('answers a product page again without asking the product subgraph, its stock read afresh', async () => {
    const product = await createProduct(admin, { stock: 5 });
    expect((await detail(product.id)).inventory).toEqual({ available: 5, inStock: true });

    const before = await Promise.all([metrics(gatewayUrl()), metrics(productUrl())]);
    await gql(
      AdjustStockDocument,
      { input: { productId: product.id, delta: 3 } },
      { token: admin },
    );
    const again = await detail(product.id);
    const after = await Promise.all([metrics(gatewayUrl()), metrics(productUrl())]);

    expect(again).toMatchObject({ name: product.name, inventory: { available: 8, inStock: true } });
    const hits = (text: string) =>
      counter(text, 'gateway_catalog_cache_lookups_total', { result: 'hit' });
    expect(hits(after[0])).toBe(hits(before[0]) + 1);
    // Neither the read nor the stock change reached the product subgraph's GraphQL.
    expect(counter(after[1], 'http_requests_total')).toBe(
      counter(before[1], 'http_requests_total'),
    );
  });

  it("shows an admin's change to the very next read, in the product page and the listing", async () => {
    const category = unique('Copies');
    const product = await createProduct(admin, { category, price: 1500, stock: 1 });
    const listed = async () => {
      const { data, errors } = await gql(CatalogDocument, { category });
      expect(errors).toBeUndefined();
      return data!.products.edges.map((e) => e.node);
    };
    // Read twice, so both answers are kept.
    for (let i = 0; i < 2; i++) {
      expect((await detail(product.id)).price.amount).toBe(1500);
      expect((await listed()).map((p) => p.price.amount)).toEqual([1500]);
    }

    const updated = await gql(
      UpdateProductDocument,
      { input: { id: product.id, name: 'Renamed lamp', price: { amount: 1750, currency: 'EUR' } } },
      { token: admin },
    );
    expect(updated.data?.updateProduct.userErrors).toEqual([]);

    expect(await detail(product.id)).toMatchObject({
      name: 'Renamed lamp',
      price: { amount: 1750 },
    });
    expect((await listed()).map((p) => [p.name, p.price.amount])).toEqual([['Renamed lamp', 1750]]);

    const archived = await gql(ArchiveProductDocument, { id: product.id }, { token: admin });
    expect(archived.data?.archiveProduct.userErrors).toEqual([]);
    expect(await listed()).toEqual([]);
  });
});
