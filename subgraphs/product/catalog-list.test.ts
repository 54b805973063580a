import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphHarness, type Replica } from '../../test/support/subgraph-harness.js';
import { productSubgraph } from './subgraph.js';
import {
  ADMIN,
  ARCHIVE_PRODUCT,
  CATALOG,
  ENTITIES,
  PRODUCT,
  createProduct,
  type CatalogPage,
  type ProductData,
} from './testing.js';

/** The public catalogue reads: listing, paging, filters, archived products, lookups by id. */

const harness = subgraphHarness(productSubgraph, {
  name: 'cataloglist',
  port: 4462,
  logLevel: 'error',
});
let product: Replica;
const catalogue: ProductData[] = [];

/** The catalogue order: by name in code-point order, ties by id. */
const byNameThenId = (a: { name: string; id: string }, b: { name: string; id: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

async function page(variables: Record<string, unknown>) {
  const res = await product.call<{ products: CatalogPage }>(CATALOG, variables);
  expect(res.errors).toBeUndefined();
  return res.data!.products;
}

async function walk(variables: Record<string, unknown>, first: number) {
  const seen: CatalogPage['edges'][number]['node'][] = [];
  const totals = new Set<number>();
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const p: CatalogPage = await page({ ...variables, first, after });
    totals.add(p.totalCount);
    seen.push(...p.edges.map((e) => e.node));
    expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)?.cursor ?? null);
    if (!p.pageInfo.hasNextPage) break;
    after = p.pageInfo.endCursor;
  }
  return { seen, totals: [...totals] };
}

beforeAll(async () => {
  product = await harness.start();
  const specs = [
    ['Walnut desk', 'Furniture', 'Solid wood, oiled'],
    ['Oak chair', 'Furniture', 'Stackable'],
    ['Same name', 'Furniture', null],
    ['Same name', 'Kitchen', null],
    ['Same name', 'Kitchen', null],
    ['Chef knife', 'Kitchen', 'Carbon steel, 21 cm'],
    ['Cast iron pan', 'Kitchen', 'Pre-seasoned'],
    ['100% cotton towel', 'Bath', 'Soft and heavy'],
    ['Bath_mat', 'Bath', 'Non-slip'],
    ['Bathrobe', 'Bath', 'Waffle weave, 50% linen'],
    ['Zebra print rug', 'Furniture', null],
    ['apple crate', 'Furniture', 'lower-case name'],
  ] as const;
  for (const [name, category, description] of specs) {
    catalogue.push(await createProduct(product, { name, category, description }));
  }
});

afterAll(async () => {
  await harness.cleanUp();
});

describe('products', () => {
  it('lists every product exactly once across pages, by name with ties by id, with a constant totalCount', async () => {
    const { seen, totals } = await walk({}, 5);
    expect(totals).toEqual([catalogue.length]);
    expect(seen.map((p) => p.id)).toEqual([...catalogue].sort(byNameThenId).map((p) => p.id));
  });

  it('gives the same pages for any page size', async () => {
    const a = await walk({}, 1);
    const b = await walk({}, 100);
    expect(a.seen).toEqual(b.seen);
  });

  it('keeps a cursor meaningful when products are added before it', async () => {
    const first = await page({ first: 4 });
    const added = await createProduct(product, { name: '0 first in line', category: 'Misc' });
    const rest = await walk({}, 50);
    const next = await page({ first: 50, after: first.pageInfo.endCursor });
    const firstIds = first.edges.map((e) => e.node.id);
    // The next page starts right after the cursor's product: nothing repeated, nothing skipped.
    expect(next.edges.map((e) => e.node.id)).toEqual(
      rest.seen.map((p) => p.id).slice(rest.seen.findIndex((p) => p.id === firstIds[3]) + 1),
    );
    await product.call(ARCHIVE_PRODUCT, { id: added.id }, ADMIN);
  });

  it('filters by exact category', async () => {
    const { seen, totals } = await walk({ category: 'Kitchen' }, 2);
    const kitchen = catalogue.filter((p) => p.category === 'Kitchen').sort(byNameThenId);
    expect(totals).toEqual([kitchen.length]);
    expect(seen.map((p) => p.id)).toEqual(kitchen.map((p) => p.id));
    expect((await page({ category: 'Kitch' })).totalCount).toBe(0);
  });

  it('searches name, SKU and description case-insensitively', async () => {
    const names = async (search: string, category?: string) =>
      (await page({ first: 100, search, category })).edges.map((e) => e.node.name);
    expect(await names('BATH')).toEqual(['Bath_mat', 'Bathrobe']);
    expect(await names('carbon STEEL')).toEqual(['Chef knife']);
    const sku = catalogue.find((p) => p.name === 'Oak chair')!.sku;
    expect(await names(sku.toLowerCase())).toEqual(['Oak chair']);
    expect(await names('same', 'Kitchen')).toEqual(['Same name', 'Same name']);
  });

  it('treats LIKE wildcards in a search as plain characters', async () => {
    const names = async (search: string) =>
      (await page({ first: 100, search })).edges.map((e) => e.node.name).sort();
    expect(await names('%')).toEqual(['100% cotton towel', 'Bathrobe']);
    expect(await names('_')).toEqual(['Bath_mat']);
    expect(await names('\\')).toEqual([]);
  });

  it('leaves archived products out of the listing and its totalCount', async () => {
    const doomed = await createProduct(product, { name: 'Short-lived lamp', category: 'Lighting' });
    expect((await page({ category: 'Lighting' })).totalCount).toBe(1);
    await product.call(ARCHIVE_PRODUCT, { id: doomed.id }, ADMIN);
    const after = await page({ category: 'Lighting' });
    expect(after.totalCount).toBe(0);
    expect(after.edges).toEqual([]);
    expect(after.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });

  it('pages through products whose names use the full 200 characters of any script', async () => {
    const long = 'ж'.repeat(99) + '😀'.repeat(50);
    await createProduct(product, { name: long, category: 'Long' });
    await createProduct(product, { name: `${long}z`, category: 'Long' });
    const { seen } = await walk({ category: 'Long' }, 1);
    expect(seen.map((p) => p.name)).toEqual([long, `${long}z`]);
  });

  it.each([
    ['first: 0', { first: 0 }],
    ['first: 101', { first: 101 }],
    ['a cursor it did not make', { after: 'bm90LWEtY3Vyc29y' }],
    ['a cursor with a malformed id', { after: Buffer.from('["a","b"]').toString('base64url') }],
    ['a search of 101 characters', { search: 's'.repeat(101) }],
  ])('refuses %s with BAD_USER_INPUT', async (_label, variables) => {
    const res = await product.call(CATALOG, variables);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('product and references', () => {
  it('resolves an archived product by id and by reference, marked archived', async () => {
    const archived = await createProduct(product, { name: 'Retired teapot', category: 'Kitchen' });
    await product.call(ARCHIVE_PRODUCT, { id: archived.id }, ADMIN);
    const byId = await product.call<{ product: ProductData }>(PRODUCT, { id: archived.id });
    expect(byId.data?.product).toMatchObject({ id: archived.id, archived: true, version: 2 });
    const refs = await product.call<{ _entities: unknown[] }>(ENTITIES, {
      representations: [{ __typename: 'Product', id: archived.id }],
    });
    expect(refs.data?._entities).toEqual([
      { id: archived.id, name: 'Retired teapot', archived: true, price: archived.price },
    ]);
  });

  it('answers null, without an error, for unknown and malformed ids', async () => {
    for (const id of ['0190a0b0-0000-7000-8000-000000000000', 'nope', '']) {
      const res = await product.call<{ product: ProductData | null }>(PRODUCT, { id });
      expect(res).toEqual({ data: { product: null } });
    }
  });

  it('resolves references in order, null for unknown ones', async () => {
    const [a, b] = [catalogue[0]!, catalogue[5]!];
    const res = await product.call<{ _entities: ({ id: string } | null)[] }>(ENTITIES, {
      representations: [
        { __typename: 'Product', id: b.id },
        { __typename: 'Product', id: '0190a0b0-0000-7000-8000-000000000000' },
        { __typename: 'Product', id: a.id },
        { __typename: 'Product', id: 'garbage' },
      ],
    });
    expect(res.data?._entities.map((p) => p?.id ?? null)).toEqual([b.id, null, a.id, null]);
  });
});
