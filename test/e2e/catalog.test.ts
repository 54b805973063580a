import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveProductDocument,
  CatalogDocument,
  ProductDetailDocument,
  UpdateProductDocument,
} from '../../client/__generated__/graphql.js';
import { gql } from '../support/client.js';
import { adminToken, createProduct, unique } from '../support/fixtures.js';

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
