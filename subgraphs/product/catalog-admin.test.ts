import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphHarness, type Replica } from '../../test/support/subgraph-harness.js';
import { productSubgraph } from './subgraph.js';
import {
  ADMIN,
  ARCHIVE_PRODUCT,
  CREATE_PRODUCT,
  CUSTOMER,
  PRODUCT,
  UPDATE_PRODUCT,
  createProduct,
  uniqueSku,
  type Payload,
  type ProductData,
} from './testing.js';

/** Admin catalogue mutations: who may call them, what they accept, and what they record. */

const harness = subgraphHarness(productSubgraph, {
  name: 'catalogadmin',
  port: 4461,
  logLevel: 'error',
});
let product: Replica;

beforeAll(async () => {
  product = await harness.start();
});

afterAll(async () => {
  await harness.cleanUp();
});

const validInput = () => ({
  sku: uniqueSku('ADM'),
  name: 'Espresso cup',
  description: 'Porcelain, 80 ml',
  category: 'Kitchen',
  price: { amount: 1299, currency: 'EUR' },
});

async function create(input: unknown, identity = ADMIN) {
  const res = await product.call<{ createProduct: Payload }>(CREATE_PRODUCT, { input }, identity);
  return res;
}

async function update(input: unknown, identity = ADMIN) {
  return product.call<{ updateProduct: Payload }>(UPDATE_PRODUCT, { input }, identity);
}

async function read(id: string): Promise<ProductData | null> {
  const res = await product.call<{ product: ProductData | null }>(PRODUCT, { id });
  return res.data?.product ?? null;
}

async function outboxEvents(productId: string) {
  const em = product.runtime.orm.em.fork();
  return em
    .getConnection()
    .execute<
      { type: string; payload: { aggregateVersion: number; data: Record<string, unknown> } }[]
    >('SELECT type, payload FROM outbox WHERE key = ? ORDER BY seq', [productId]);
}

async function productCount(): Promise<number> {
  const em = product.runtime.orm.em.fork();
  const [row] = await em
    .getConnection()
    .execute<{ count: string }[]>('SELECT count(*) AS count FROM products');
  return Number(row?.count);
}

describe('who may change the catalogue', () => {
  it('refuses createProduct without an identity (UNAUTHENTICATED) and creates nothing', async () => {
    const before = await productCount();
    const res = await create(validInput(), null as never);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data).toBeNull();
    expect(await productCount()).toBe(before);
  });

  it('refuses createProduct for a customer (FORBIDDEN) and creates nothing', async () => {
    const before = await productCount();
    const res = await create(validInput(), CUSTOMER);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.data).toBeNull();
    expect(await productCount()).toBe(before);
  });

  it('refuses updateProduct and archiveProduct for customers and anonymous callers, changing nothing', async () => {
    const existing = await createProduct(product, { price: { amount: 500, currency: 'EUR' } });
    const cases = [
      [CUSTOMER, 'FORBIDDEN'],
      [null, 'UNAUTHENTICATED'],
    ] as const;
    for (const [identity, code] of cases) {
      const upd = await product.call(
        UPDATE_PRODUCT,
        { input: { id: existing.id, price: { amount: 1, currency: 'EUR' } } },
        identity,
      );
      expect(upd.errors?.[0]?.extensions?.code).toBe(code);
      const arc = await product.call(ARCHIVE_PRODUCT, { id: existing.id }, identity);
      expect(arc.errors?.[0]?.extensions?.code).toBe(code);
    }
    const after = await read(existing.id);
    expect(after).toMatchObject({ archived: false, version: 1, price: { amount: 500 } });
  });
});

describe('createProduct', () => {
  it('creates an active product at version 1 and records product.created with its snapshot', async () => {
    const input = validInput();
    const res = await create(input);
    const created = res.data?.createProduct.product;
    expect(res.data?.createProduct.userErrors).toEqual([]);
    expect(created).toMatchObject({
      sku: input.sku,
      name: input.name,
      description: input.description,
      category: input.category,
      price: input.price,
      archived: false,
      version: 1,
    });
    expect(await read(created!.id)).toEqual(created);
    const events = await outboxEvents(created!.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'product.created',
      payload: {
        aggregateVersion: 1,
        data: {
          productId: created!.id,
          sku: input.sku,
          name: input.name,
          category: input.category,
          price: input.price,
          active: true,
        },
      },
    });
  });

  it('trims text and stores a blank description as none', async () => {
    const input = { ...validInput(), name: '  Mug  ', category: ' Kitchen ', description: '   ' };
    const created = (await create(input)).data?.createProduct.product;
    expect(created).toMatchObject({ name: 'Mug', category: 'Kitchen', description: null });
  });

  it('answers DUPLICATE_SKU on ["sku"] for a SKU already in use, in any letter case, creating nothing', async () => {
    const input = validInput();
    await createProduct(product, input);
    const before = await productCount();
    for (const sku of [input.sku, input.sku.toLowerCase()]) {
      const res = await create({ ...validInput(), sku });
      expect(res.data?.createProduct).toEqual({
        product: null,
        userErrors: [{ code: 'DUPLICATE_SKU', field: ['sku'], message: expect.any(String) }],
      });
    }
    expect(await productCount()).toBe(before);
  });

  const invalid: [string, (input: ReturnType<typeof validInput>) => unknown, string[]][] = [
    ['an empty SKU', (i) => ({ ...i, sku: '' }), ['sku']],
    ['a SKU of 65 characters', (i) => ({ ...i, sku: 'S'.repeat(65) }), ['sku']],
    ['a SKU with spaces', (i) => ({ ...i, sku: 'AB 12' }), ['sku']],
    ['a blank name', (i) => ({ ...i, name: '   ' }), ['name']],
    ['a name of 201 characters', (i) => ({ ...i, name: 'n'.repeat(201) }), ['name']],
    ['a name with a newline', (i) => ({ ...i, name: 'two\nlines' }), ['name']],
    [
      'a description of 5001 characters',
      (i) => ({ ...i, description: 'd'.repeat(5001) }),
      ['description'],
    ],
    ['an empty category', (i) => ({ ...i, category: '' }), ['category']],
    ['a category of 101 characters', (i) => ({ ...i, category: 'c'.repeat(101) }), ['category']],
    [
      'a negative price',
      (i) => ({ ...i, price: { amount: -1, currency: 'EUR' } }),
      ['price', 'amount'],
    ],
    ['a zero price', (i) => ({ ...i, price: { amount: 0, currency: 'EUR' } }), ['price', 'amount']],
    [
      'a huge price',
      (i) => ({ ...i, price: { amount: 100_000_001, currency: 'EUR' } }),
      ['price', 'amount'],
    ],
    [
      'a lower-case currency',
      (i) => ({ ...i, price: { amount: 100, currency: 'eur' } }),
      ['price', 'currency'],
    ],
    [
      'a made-up currency',
      (i) => ({ ...i, price: { amount: 100, currency: 'ABC' } }),
      ['price', 'currency'],
    ],
    [
      'a four-letter currency',
      (i) => ({ ...i, price: { amount: 100, currency: 'EURO' } }),
      ['price', 'currency'],
    ],
    [
      'an empty currency',
      (i) => ({ ...i, price: { amount: 100, currency: '' } }),
      ['price', 'currency'],
    ],
  ];

  it.each(invalid)(
    'refuses %s with VALIDATION on the field, creating nothing',
    async (_label, change, field) => {
      const before = await productCount();
      const res = await create(change(validInput()));
      expect(res.errors).toBeUndefined();
      expect(res.data?.createProduct.product).toBeNull();
      expect(res.data?.createProduct.userErrors).toEqual([
        { code: 'VALIDATION', field, message: expect.any(String) },
      ]);
      expect(await productCount()).toBe(before);
    },
  );

  it('accepts the boundaries: 1 minor unit, 100000000 minor units, 64-character SKU, 200-character name', async () => {
    const cheap = await create({ ...validInput(), price: { amount: 1, currency: 'USD' } });
    expect(cheap.data?.createProduct.product?.price).toEqual({ amount: 1, currency: 'USD' });
    const dear = await create({
      ...validInput(),
      sku: `${uniqueSku('B')}-`.padEnd(64, 'x'),
      name: 'N'.repeat(200),
      price: { amount: 100_000_000, currency: 'GBP' },
    });
    expect(dear.data?.createProduct.userErrors).toEqual([]);
  });
});

describe('updateProduct', () => {
  it('changes only the given fields, raises the version and records product.updated', async () => {
    const existing = await createProduct(product, validInput());
    const res = await update({
      id: existing.id,
      price: { amount: 1599, currency: 'EUR' },
      name: null,
    });
    const updated = res.data?.updateProduct.product;
    expect(res.data?.updateProduct.userErrors).toEqual([]);
    expect(updated).toMatchObject({
      id: existing.id,
      name: existing.name,
      description: existing.description,
      category: existing.category,
      price: { amount: 1599, currency: 'EUR' },
      version: 2,
    });
    expect(Date.parse(updated!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(existing.updatedAt));
    const events = await outboxEvents(existing.id);
    expect(events.map((e) => [e.type, e.payload.aggregateVersion])).toEqual([
      ['product.created', 1],
      ['product.updated', 2],
    ]);
    expect(events[1]!.payload.data).toMatchObject({ price: { amount: 1599, currency: 'EUR' } });
  });

  it('removes the description when given an empty string', async () => {
    const existing = await createProduct(product, validInput());
    const res = await update({ id: existing.id, description: '' });
    expect(res.data?.updateProduct.product).toMatchObject({ description: null, version: 2 });
  });

  it('changes nothing (no new version, no event) when every given value is the current one', async () => {
    const existing = await createProduct(product, validInput());
    const res = await update({ id: existing.id, name: existing.name, price: existing.price });
    expect(res.data?.updateProduct.product).toMatchObject({ version: 1 });
    expect(await outboxEvents(existing.id)).toHaveLength(1);
  });

  it('answers NOT_FOUND on ["id"] for unknown and malformed ids', async () => {
    for (const id of ['0190a0b0-0000-7000-8000-000000000000', 'not-a-uuid', '']) {
      const res = await update({ id, name: 'Anything' });
      expect(res.data?.updateProduct).toEqual({
        product: null,
        userErrors: [{ code: 'NOT_FOUND', field: ['id'], message: expect.any(String) }],
      });
    }
  });

  it('refuses invalid values with VALIDATION and leaves the product as it was', async () => {
    const existing = await createProduct(product, validInput());
    const cases: [Record<string, unknown>, string[]][] = [
      [{ name: '' }, ['name']],
      [{ category: 'c'.repeat(101) }, ['category']],
      [{ description: 'd'.repeat(5001) }, ['description']],
      [{ price: { amount: 0, currency: 'EUR' } }, ['price', 'amount']],
      [{ price: { amount: 100, currency: 'euro' } }, ['price', 'currency']],
    ];
    for (const [change, field] of cases) {
      const res = await update({ id: existing.id, ...change });
      expect(res.data?.updateProduct.product).toBeNull();
      expect(res.data?.updateProduct.userErrors).toEqual([
        { code: 'VALIDATION', field, message: expect.any(String) },
      ]);
    }
    expect(await read(existing.id)).toEqual(existing);
  });

  it('refuses to change an archived product (INVALID_STATE)', async () => {
    const existing = await createProduct(product, validInput());
    await product.call(ARCHIVE_PRODUCT, { id: existing.id }, ADMIN);
    const res = await update({ id: existing.id, price: { amount: 1, currency: 'EUR' } });
    expect(res.data?.updateProduct).toEqual({
      product: null,
      userErrors: [{ code: 'INVALID_STATE', field: ['id'], message: expect.any(String) }],
    });
    expect((await read(existing.id))?.price).toEqual(existing.price);
  });

  it('gives concurrent updates of one product distinct, consecutive versions', async () => {
    const existing = await createProduct(product, validInput());
    const results = await Promise.all(
      [101, 102, 103, 104].map((amount) =>
        update({ id: existing.id, price: { amount, currency: 'EUR' } }),
      ),
    );
    const versions = results.map((r) => r.data?.updateProduct.product?.version).sort();
    expect(versions).toEqual([2, 3, 4, 5]);
    const events = await outboxEvents(existing.id);
    expect(events.map((e) => e.payload.aggregateVersion)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('archiveProduct', () => {
  it('archives once: version and product.archived the first time, the same product after', async () => {
    const existing = await createProduct(product, validInput());
    const first = await product.call<{ archiveProduct: Payload }>(
      ARCHIVE_PRODUCT,
      { id: existing.id },
      ADMIN,
    );
    expect(first.data?.archiveProduct.product).toMatchObject({ archived: true, version: 2 });
    const second = await product.call<{ archiveProduct: Payload }>(
      ARCHIVE_PRODUCT,
      { id: existing.id },
      ADMIN,
    );
    expect(second.data?.archiveProduct).toEqual(first.data?.archiveProduct);
    const events = await outboxEvents(existing.id);
    expect(events.map((e) => e.type)).toEqual(['product.created', 'product.archived']);
    expect(events[1]!.payload.data).toMatchObject({ active: false });
  });

  it('answers NOT_FOUND on ["id"] for unknown and malformed ids', async () => {
    for (const id of ['0190a0b0-0000-7000-8000-000000000000', 'nope']) {
      const res = await product.call<{ archiveProduct: Payload }>(ARCHIVE_PRODUCT, { id }, ADMIN);
      expect(res.data?.archiveProduct).toEqual({
        product: null,
        userErrors: [{ code: 'NOT_FOUND', field: ['id'], message: expect.any(String) }],
      });
    }
  });
});

describe('events', () => {
  it('publishes recorded product events to Kafka through the outbox relay', async () => {
    const existing = await createProduct(product, validInput());
    const em = product.runtime.orm.em.fork();
    const deadline = Date.now() + 15_000;
    let published = false;
    while (!published && Date.now() < deadline) {
      const [row] = await em
        .getConnection()
        .execute<{ published: boolean }[]>(
          'SELECT published_at IS NOT NULL AS published FROM outbox WHERE key = ?',
          [existing.id],
        );
      published = row?.published ?? false;
      if (!published) await new Promise((r) => setTimeout(r, 100));
    }
    expect(published).toBe(true);
  });
});
