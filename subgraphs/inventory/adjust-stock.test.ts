import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSubgraph } from '../../platform/subgraph.js';
import type { Identity } from '../../platform/identity.js';
import { uuidv7 } from '../../platform/ids.js';
import { buildEnvelope, queryRows, topicOf } from '../../platform/events/index.js';
import { subgraphHarness } from '../../test/support/subgraph-harness.js';
import { inventorySubgraph } from './subgraph.js';
import { reserveAll } from './services/reservations.js';
import { applyCatalogProduct } from './services/catalog.js';

/**
 * adjustStock and Product.inventory through the subgraph's HTTP endpoint,
 * with a real PostgreSQL and Kafka, the way the gateway calls them.
 */

const harness = subgraphHarness(inventorySubgraph, {
  name: 'adjuststock',
  port: 4440,
  logLevel: 'silent',
});
const call = harness.call;
const admin: Identity = { userId: uuidv7(), roles: ['CUSTOMER', 'ADMIN'] };
const customer: Identity = { userId: uuidv7(), roles: ['CUSTOMER'] };

let running: RunningSubgraph;

beforeAll(async () => {
  running = await harness.start();
});

afterAll(async () => {
  await harness.cleanUp();
});

interface Levels {
  onHand: number;
  reserved: number;
  available: number;
  inStock: boolean;
}
interface AdjustStockData {
  adjustStock: {
    product: { id: string; inventory: Levels } | null;
    userErrors: { code: string; field: string[] | null; message: string }[];
  };
}

const ADJUST_STOCK = `
  mutation AdjustStock($input: AdjustStockInput!) {
    adjustStock(input: $input) {
      product { id inventory { onHand reserved available inStock } }
      userErrors { code field message }
    }
  }`;

const adjust = (productId: string, delta: number, identity: Identity | null = admin) =>
  call<AdjustStockData>(ADJUST_STOCK, { input: { productId, delta } }, identity);

/** A product as if product.created had arrived, with stock on hand. */
async function knownProduct(onHand = 0): Promise<string> {
  const productId = uuidv7();
  const em = running.runtime.orm.em.fork();
  await applyCatalogProduct(em, { productId, active: true });
  if (onHand)
    await queryRows(em, 'UPDATE stock_items SET on_hand = ? WHERE product_id = ?', [
      onHand,
      productId,
    ]);
  return productId;
}

async function levelsOf(productId: string): Promise<Levels> {
  const result = await call<{ _entities: { inventory: Levels }[] }>(
    `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { inventory { onHand reserved available inStock } } } }`,
    { reps: [{ __typename: 'Product', id: productId }] },
    null,
  );
  return result.data!._entities[0]!.inventory;
}

describe('adjustStock', () => {
  it('adds stock and answers with the product and its new levels', async () => {
    const productId = await knownProduct(2);
    const result = await adjust(productId, 5);
    expect(result.errors).toBeUndefined();
    expect(result.data?.adjustStock).toEqual({
      product: {
        id: productId,
        inventory: { onHand: 7, reserved: 0, available: 7, inStock: true },
      },
      userErrors: [],
    });
  });

  it('records inventory.adjusted with the new levels in the same transaction', async () => {
    const productId = await knownProduct(2);
    await adjust(productId, -1);
    const rows = await queryRows<{
      type: string;
      payload: { aggregateVersion: number; data: unknown };
    }>(running.runtime.orm.em.fork(), 'SELECT type, payload FROM outbox WHERE key = ?', [
      productId,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.type).toBe('inventory.adjusted');
    expect(rows[0]?.payload.data).toEqual({ productId, onHand: 1, reserved: 0 });
  });

  it('refuses an anonymous caller with UNAUTHENTICATED and changes nothing', async () => {
    const productId = await knownProduct(3);
    const result = await adjust(productId, 5, null);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.data).toBeNull();
    expect((await levelsOf(productId)).onHand).toBe(3);
  });

  it('refuses a customer with FORBIDDEN and changes nothing', async () => {
    const productId = await knownProduct(3);
    const result = await adjust(productId, 5, customer);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.data).toBeNull();
    expect((await levelsOf(productId)).onHand).toBe(3);
  });

  it.each([
    ['zero', 0],
    ['above 1,000,000', 1_000_001],
    ['below -1,000,000', -1_000_001],
  ])('refuses a %s delta with VALIDATION on ["delta"]', async (_name, delta) => {
    const productId = await knownProduct(3);
    const result = await adjust(productId, delta);
    expect(result.data?.adjustStock.product).toBeNull();
    expect(result.data?.adjustStock.userErrors).toEqual([
      { code: 'VALIDATION', field: ['delta'], message: expect.any(String) },
    ]);
    expect((await levelsOf(productId)).onHand).toBe(3);
  });

  it('refuses a delta that would take onHand below reserved', async () => {
    const productId = await knownProduct(5);
    await reserveAll(running.runtime.orm.em.fork(), uuidv7(), [{ productId, quantity: 3 }]);
    const result = await adjust(productId, -3);
    expect(result.data?.adjustStock.product).toBeNull();
    expect(result.data?.adjustStock.userErrors).toEqual([
      { code: 'VALIDATION', field: ['delta'], message: expect.stringContaining('reserved') },
    ]);
    expect(await levelsOf(productId)).toEqual({
      onHand: 5,
      reserved: 3,
      available: 2,
      inStock: true,
    });
    // Down to exactly what is reserved is allowed.
    expect((await adjust(productId, -2)).data?.adjustStock.product?.inventory).toEqual({
      onHand: 3,
      reserved: 3,
      available: 0,
      inStock: false,
    });
  });

  it('refuses a delta that would take onHand below 0', async () => {
    const productId = await knownProduct(2);
    const result = await adjust(productId, -3);
    expect(result.data?.adjustStock.userErrors).toEqual([
      { code: 'VALIDATION', field: ['delta'], message: expect.stringContaining('below 0') },
    ]);
    expect((await levelsOf(productId)).onHand).toBe(2);
  });

  it('answers NOT_FOUND on ["productId"] at once for a malformed id', async () => {
    const started = Date.now();
    const result = await adjust('not-a-product', 5);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.data?.adjustStock).toEqual({
      product: null,
      userErrors: [{ code: 'NOT_FOUND', field: ['productId'], message: expect.any(String) }],
    });
  });

  it('answers NOT_FOUND for an unknown product after waiting for the catalogue', async () => {
    const started = Date.now();
    // Made an hour ago: not one the catalogue could have just created.
    const result = await adjust(uuidv7(Date.now() - 3_600_000), 5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(result.data?.adjustStock.userErrors).toEqual([
      { code: 'NOT_FOUND', field: ['productId'], message: expect.any(String) },
    ]);
  });

  // 2.5 s is past the wait for an id that is not new: only a product made moments ago waits that long.
  it.each([300, 2_500])(
    'waits for a product made moments ago that the catalogue announces %i ms into the request',
    async (afterMs) => {
      const productId = uuidv7();
      const pending = adjust(productId, 4);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      await applyCatalogProduct(running.runtime.orm.em.fork(), { productId, active: true });
      expect((await pending).data?.adjustStock.product?.inventory.onHand).toBe(4);
    },
  );

  it('never takes onHand below reserved under concurrent bookings', async () => {
    const productId = await knownProduct(10);
    const results = await Promise.all(Array.from({ length: 15 }, () => adjust(productId, -1)));
    expect(results.filter((r) => r.data?.adjustStock.product)).toHaveLength(10);
    expect((await levelsOf(productId)).onHand).toBe(0);
  });

  it('learns products from product.created events on Kafka', async () => {
    const productId = uuidv7();
    const producer = running.runtime.kafka.producer();
    await producer.connect();
    const event = buildEnvelope({
      type: 'product.created',
      aggregateId: productId,
      aggregateVersion: 1,
      data: {
        productId,
        sku: `SKU-${productId.slice(-8)}`,
        name: 'Test kettle',
        category: 'kitchen',
        price: { amount: 2999, currency: 'EUR' },
        active: true,
      },
    });
    await producer.send({
      topic: `${harness.topicPrefix}${topicOf('product')}`,
      messages: [{ key: productId, value: JSON.stringify(event) }],
    });
    await producer.disconnect();
    // The consumer may still be joining its group; poll instead of relying on the 1.5 s bridge.
    let known = false;
    for (let i = 0; i < 100 && !known; i++) {
      const rows = await queryRows(
        running.runtime.orm.em.fork(),
        'SELECT 1 FROM stock_items WHERE product_id = ?',
        [productId],
      );
      known = rows.length > 0;
      if (!known) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(known).toBe(true);
    expect((await adjust(productId, 6)).data?.adjustStock.product?.inventory.available).toBe(6);
  });
});

describe('Product.inventory', () => {
  it('shows zeros for a product without stock and levels for one with stock, in one request', async () => {
    const stocked = await knownProduct(4);
    const unknown = uuidv7();
    const result = await call<{ _entities: { id: string; inventory: Levels }[] }>(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { id inventory { onHand reserved available inStock } } } }`,
      {
        reps: [
          { __typename: 'Product', id: stocked },
          { __typename: 'Product', id: unknown },
          { __typename: 'Product', id: 'malformed' },
        ],
      },
      null,
    );
    expect(result.errors).toBeUndefined();
    const zeros = { onHand: 0, reserved: 0, available: 0, inStock: false };
    expect(result.data?._entities).toEqual([
      { id: stocked, inventory: { onHand: 4, reserved: 0, available: 4, inStock: true } },
      { id: unknown, inventory: zeros },
      { id: 'malformed', inventory: zeros },
    ]);
  });
});
