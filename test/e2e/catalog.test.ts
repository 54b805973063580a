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
import { metricSum, metricsOf } from '../support/metrics.js';

/** The storefront's catalogue through the gateway, as the contract describes it. */

let admin: string;

beforeAll(async () => {
  admin = await adminToken();
});

async function catalog(variables: {
  first?: number;
  after?: string | null;
  search?: string;
  category?: string;
}) {
  const { data, errors } = await gql(CatalogDocument, variables);
  expect(errors).toBeUndefined();
  return data!.products;
}

describe('the catalogue', () => {
  it('lists a category by name across pages with stable cursors, totalCount and stock', async () => {
    const category = unique('Shelf');
    const names = ['Delta lamp', 'alpha lamp', 'Charlie lamp', 'Bravo lamp', 'Echo lamp'];
    for (const [i, name] of names.entries()) {
      await createProduct(admin, { category, name, price: 1000 + i, stock: i });
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof catalog>> = await catalog({
        category,
        first: 2,
        after,
      });
      expect(page.totalCount).toBe(names.length);
      seen.push(...page.edges.map((e) => e.node.name));
      for (const { node } of page.edges) {
        const stock = names.indexOf(node.name);
        expect(node.inventory).toEqual({ available: stock, inStock: stock > 0 });
      }
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    // Code-point order: capitals before lower case.
    expect(seen).toEqual(['Bravo lamp', 'Charlie lamp', 'Delta lamp', 'Echo lamp', 'alpha lamp']);
  });

  it('searches name and SKU case-insensitively', async () => {
    const tag = unique('Needle').toLowerCase();
    const product = await createProduct(admin, { name: `Haystack ${tag}` });
    const byName = await catalog({ search: tag.toUpperCase() });
    expect(byName.edges.map((e) => e.node.id)).toEqual([product.id]);
    const bySku = await catalog({ search: product.sku.toLowerCase() });
    expect(bySku.edges.map((e) => e.node.id)).toEqual([product.id]);
  });

  it('shows a new price in the catalogue and on the product page as soon as updateProduct returns', async () => {
    const category = unique('Repriced');
    const product = await createProduct(admin, { category, price: 2500 });
    // Read twice so both answers are cached.
    for (let i = 0; i < 2; i++) {
      await catalog({ category });
      await gql(ProductDetailDocument, { id: product.id });
    }
    const { data } = await gql(
      UpdateProductDocument,
      { input: { id: product.id, price: { amount: 1999, currency: 'EUR' } } },
      { token: admin },
    );
    expect(data?.updateProduct.product?.price).toEqual({ amount: 1999, currency: 'EUR' });
    const listed = await catalog({ category });
    const detail = await gql(ProductDetailDocument, { id: product.id });
    expect(listed.edges[0]?.node.price.amount).toBe(1999);
    expect(detail.data?.product?.price.amount).toBe(1999);
  });

  it('drops an archived product from the catalogue but keeps its product page', async () => {
    const category = unique('Retired');
    const product = await createProduct(admin, { category });
    expect((await catalog({ category })).totalCount).toBe(1);
    const archived = await gql(ArchiveProductDocument, { id: product.id }, { token: admin });
    expect(archived.data?.archiveProduct).toEqual({ product: { id: product.id }, userErrors: [] });
    const after = await catalog({ category });
    expect(after.totalCount).toBe(0);
    expect(after.edges).toEqual([]);
    const detail = await gql(ProductDetailDocument, { id: product.id });
    expect(detail.data?.product).toMatchObject({ id: product.id, category });
  });

  it('answers a product page for an unknown or malformed id with null', async () => {
    for (const id of ['0190a0b0-0000-7000-8000-000000000000', 'not-an-id']) {
      const { data, errors } = await gql(ProductDetailDocument, { id });
      expect(errors).toBeUndefined();
      expect(data?.product).toBeNull();
    }
  });

  it.each([0, 101])('refuses first: %i with BAD_USER_INPUT', async (first) => {
    const { errors } = await gql(CatalogDocument, { first });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

/**
 * The gateway keeps the product subgraph's answers (decision 27): what a
 * shopper notices is only that the catalogue is fast, never that it is old.
 */

const productUrl = () => `http://127.0.0.1:${inject('testEnv').PRODUCT_PORT}/graphql`;

async function detail(id: string) {
  const { data, errors } = await gql(ProductDetailDocument, { id });
  expect(errors).toBeUndefined();
  return data!.product!;
}

describe('the gateway’s copies of catalogue answers', () => {
  it('answers a product page again without asking the product subgraph, its stock read afresh', async () => {
    const product = await createProduct(admin, { stock: 5 });
    expect((await detail(product.id)).inventory).toEqual({ available: 5, inStock: true });

    const before = await Promise.all([metricsOf(gatewayUrl()), metricsOf(productUrl())]);
    await gql(
      AdjustStockDocument,
      { input: { productId: product.id, delta: 3 } },
      { token: admin },
    );
    const again = await detail(product.id);
    const after = await Promise.all([metricsOf(gatewayUrl()), metricsOf(productUrl())]);

    expect(again).toMatchObject({ name: product.name, inventory: { available: 8, inStock: true } });
    const hits = (text: string) =>
      metricSum(text, 'gateway_catalog_cache_lookups_total', { result: 'hit' });
    expect(hits(after[0])).toBe(hits(before[0]) + 1);
    // Neither the read nor the stock change reached the product subgraph's GraphQL.
    expect(metricSum(after[1], 'http_requests_total')).toBe(
      metricSum(before[1], 'http_requests_total'),
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
