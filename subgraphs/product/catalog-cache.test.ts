import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '../../platform/logger.js';
import type { RunningSubgraph } from '../../platform/subgraph.js';
import { subgraphHarness, type Replica } from '../../test/support/subgraph-harness.js';
import type { ProductRecord } from './entities.js';
import { CatalogAdmin } from './services/catalog-admin.js';
import { CatalogCache } from './services/catalog-cache.js';
import { productSubgraph } from './subgraph.js';
import {
  ADMIN,
  CATALOG,
  ENTITIES,
  PRODUCT,
  UPDATE_PRODUCT,
  createProduct,
  type CatalogPage,
  type Payload,
  type ProductData,
} from './testing.js';

/**
 * The Redis catalogue cache: shared by replicas, invalidated by every change
 * in every replica, batched, race-free, and optional (Redis down → PostgreSQL).
 */

const harness = subgraphHarness(productSubgraph, {
  name: 'catalogcache',
  port: 4463,
  logLevel: 'error',
});
let replicaA: Replica;
let replicaB: Replica;
let redis: Redis;

/** Counts the SQL statements a replica sends that touch the products table. */
function countProductQueries(running: RunningSubgraph) {
  const connection = running.runtime.orm.em.getConnection();
  const original = connection.execute.bind(connection);
  let count = 0;
  connection.execute = ((query: unknown, ...rest: unknown[]) => {
    const sql = typeof query === 'string' ? query : JSON.stringify(query);
    if (/\bproducts\b/.test(sql)) count += 1;
    return (original as (...args: unknown[]) => unknown)(query, ...rest);
  }) as typeof connection.execute;
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
    restore() {
      connection.execute = original;
    },
  };
}

/**
 * Waits until the replicas' event consumer has handled every event of this
 * product (its inbox row commits after the handler's invalidation), so that
 * backstop invalidation cannot land in the middle of a test's measurements.
 */
async function settled(productId: string): Promise<void> {
  const connection = replicaA.runtime.orm.em.getConnection();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const [row] = await connection.execute<{ pending: string }[]>(
      `SELECT count(*) AS pending FROM outbox o
       WHERE o.key = ? AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.event_id = o.id)`,
      [productId],
    );
    if (Number(row?.pending) === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`events of ${productId} were not consumed within 15 s`);
}

const price = async (replica: Replica, id: string) =>
  (await replica.call<{ product: ProductData }>(PRODUCT, { id })).data?.product.price.amount;

beforeAll(async () => {
  replicaA = await harness.start();
  replicaB = await harness.start({ port: 4464 });
  redis = new Redis(harness.env.REDIS_URL!, { keyPrefix: harness.redisPrefix });
});

afterAll(async () => {
  redis?.disconnect();
  await harness.cleanUp();
});

describe('invalidation across replicas', () => {
  it('shows a price updated through replica A in replica B as soon as updateProduct returns (within 1 s), by id, in the listing and by reference', async () => {
    const created = await createProduct(replicaA, {
      name: 'Cached kettle',
      category: 'Invalidation',
      price: { amount: 2500, currency: 'EUR' },
    });
    await settled(created.id);
    const listing = { category: 'Invalidation', first: 10 };
    const reads = countProductQueries(replicaB);
    try {
      // Warm B's cache, then prove B now answers from it (no SQL), so a missing
      // invalidation would show as a stale price below.
      await price(replicaB, created.id);
      await replicaB.call(CATALOG, listing);
      reads.reset();
      expect(await price(replicaB, created.id)).toBe(2500);
      const cachedPage = await replicaB.call<{ products: CatalogPage }>(CATALOG, listing);
      expect(cachedPage.data?.products.edges[0]?.node.price.amount).toBe(2500);
      expect(reads.count).toBe(0);

      const res = await replicaA.call<{ updateProduct: Payload }>(
        UPDATE_PRODUCT,
        { input: { id: created.id, price: { amount: 1999, currency: 'EUR' } } },
        ADMIN,
      );
      const updatedAt = Date.now();
      expect(res.data?.updateProduct.userErrors).toEqual([]);

      // The mutation invalidates before it returns, so B's very next reads are
      // fresh (the event-driven backstop would only catch up later).
      const page = await replicaB.call<{ products: CatalogPage }>(CATALOG, listing);
      const refs = await replicaB.call<{ _entities: { price: { amount: number } }[] }>(ENTITIES, {
        representations: [{ __typename: 'Product', id: created.id }],
      });
      expect({
        byId: await price(replicaB, created.id),
        listed: page.data?.products.edges[0]?.node.price.amount,
        referenced: refs.data?._entities[0]?.price.amount,
      }).toEqual({ byId: 1999, listed: 1999, referenced: 1999 });
      expect(Date.now() - updatedAt).toBeLessThan(1_000);
    } finally {
      reads.restore();
    }
  });

  it('shows a product created through A in the listing served by B at once', async () => {
    const listing = { category: 'Fresh', first: 10 };
    const before = await replicaB.call<{ products: CatalogPage }>(CATALOG, listing);
    expect(before.data?.products.totalCount).toBe(0);
    await createProduct(replicaA, { name: 'Fresh bread', category: 'Fresh' });
    const after = await replicaB.call<{ products: CatalogPage }>(CATALOG, listing);
    expect(after.data?.products.totalCount).toBe(1);
  });
});

describe('the event-driven backstop', () => {
  it('retires cached copies of a change whose replica never invalidated them, through its event', async () => {
    const created = await createProduct(replicaA, {
      category: 'Backstop',
      price: { amount: 900, currency: 'EUR' },
    });
    await settled(created.id);
    expect(await price(replicaB, created.id)).toBe(900); // cached by B now

    // A writer that commits the change and its event but cannot reach Redis
    // (as if its process died right after the commit).
    const blind = new CatalogAdmin(new CatalogCache(null, 60_000, createLogger('test', 'silent')));
    const logger = createLogger('test', 'silent');
    await blind.updateProduct(
      { em: replicaA.runtime.orm.em.fork(), identity: ADMIN, traceId: 'backstop-test', logger },
      { id: created.id, price: { amount: 850, currency: 'EUR' } },
    );

    await settled(created.id);
    expect(await price(replicaB, created.id)).toBe(850);
  });
});

describe('batching', () => {
  it('resolves N references with one SQL query when cold, and none when warm', async () => {
    const products = [];
    for (let i = 0; i < 6; i++) {
      products.push(await createProduct(replicaA, { name: `Batch ${i}`, category: 'Batch' }));
    }
    for (const p of products) await settled(p.id);
    await redis.del(...products.map((p) => `catalog:v1:product:${p.id}`));
    const representations = products.map((p) => ({ __typename: 'Product', id: p.id }));
    const queries = countProductQueries(replicaB);
    try {
      const cold = await replicaB.call<{ _entities: { id: string }[] }>(ENTITIES, {
        representations,
      });
      expect(cold.data?._entities.map((p) => p.id)).toEqual(products.map((p) => p.id));
      expect(queries.count).toBe(1);

      queries.reset();
      const warm = await replicaB.call<{ _entities: { id: string }[] }>(ENTITIES, {
        representations,
      });
      expect(warm.data?._entities).toEqual(cold.data?._entities);
      expect(queries.count).toBe(0);
    } finally {
      queries.restore();
    }
  });

  it('batches several product(id) fields of one query into one lookup', async () => {
    const [a, b, c] = [
      await createProduct(replicaA, { category: 'Aliases' }),
      await createProduct(replicaA, { category: 'Aliases' }),
      await createProduct(replicaA, { category: 'Aliases' }),
    ];
    for (const p of [a!, b!, c!]) await settled(p.id);
    await redis.del(...[a!, b!, c!].map((p) => `catalog:v1:product:${p.id}`));
    const queries = countProductQueries(replicaB);
    try {
      const res = await replicaB.call<Record<string, { id: string }>>(
        `query($a: ID!, $b: ID!, $c: ID!) {
          a: product(id: $a) { id } b: product(id: $b) { id } c: product(id: $c) { id }
        }`,
        { a: a!.id, b: b!.id, c: c!.id },
      );
      expect(res.data).toEqual({ a: { id: a!.id }, b: { id: b!.id }, c: { id: c!.id } });
      expect(queries.count).toBe(1);
    } finally {
      queries.restore();
    }
  });
});

describe('the write-back race', () => {
  const record = (amount: number): ProductRecord => ({
    id: '0190a0b0-0000-7000-8000-0000000000aa',
    sku: 'RACE-1',
    name: 'Race',
    description: null,
    category: 'Race',
    priceAmount: amount,
    priceCurrency: 'EUR',
    archivedAt: null,
    version: 1,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  });

  async function readyCache() {
    const client = new Redis(harness.env.REDIS_URL!, {
      keyPrefix: harness.redisPrefix,
      lazyConnect: true,
      enableOfflineQueue: false,
    });
    await client.connect();
    return { client, cache: new CatalogCache(client, 60_000, createLogger('test', 'silent')) };
  }

  it('refuses to cache a value read before an invalidation that happened in between', async () => {
    const { client, cache } = await readyCache();
    try {
      const stale = record(100);
      const { generation } = await cache.getProducts([stale.id]); // a reader starts…
      await cache.invalidate([stale.id]); // …a change commits and invalidates…
      await cache.putProducts([stale], generation); // …and the reader writes back late.
      expect((await cache.getProducts([stale.id])).found.size).toBe(0);

      const fresh = record(200);
      const second = await cache.getProducts([fresh.id]);
      await cache.putProducts([fresh], second.generation);
      expect((await cache.getProducts([fresh.id])).found.get(fresh.id)?.priceAmount).toBe(200);
    } finally {
      cache.stop();
      client.disconnect();
    }
  });

  it('refuses to cache a listing page read before an invalidation', async () => {
    const { client, cache } = await readyCache();
    try {
      const query = { filter: { search: null, category: 'Race' }, first: 5, after: null };
      const page = {
        totalCount: 1,
        edges: [{ cursor: 'x', node: record(100) }],
        pageInfo: { hasNextPage: false, endCursor: 'x' },
      };
      const { generation } = await cache.getPage(query);
      await cache.invalidate([]);
      await cache.putPage(query, page, generation);
      expect((await cache.getPage(query)).page).toBeNull();
    } finally {
      cache.stop();
      client.disconnect();
    }
  });

  it('delivers an invalidation that Redis missed as soon as it is reachable, and serves nothing cached until then', async () => {
    const { client, cache } = await readyCache();
    try {
      const generationBefore = Number((await redis.get('catalog:v1:gen')) ?? 0);
      client.disconnect();
      while (client.status !== 'end') await new Promise((r) => setTimeout(r, 10));
      await cache.invalidate(['0190a0b0-0000-7000-8000-0000000000bb']);
      expect((await cache.getProducts([record(1).id])).generation).toBeNull();
      expect(Number(await redis.get('catalog:v1:gen'))).toBe(generationBefore);
      await client.connect();
      // Redis sees the bump a moment before the cache learns its INCR went through.
      const deadline = Date.now() + 3_000;
      while ((await cache.getProducts([record(1).id])).generation === null) {
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(Number(await redis.get('catalog:v1:gen'))).toBe(generationBefore + 1);
      expect((await cache.getProducts([record(1).id])).generation).not.toBeNull();
    } finally {
      cache.stop();
      client.disconnect();
    }
  });
});

describe('Redis down', () => {
  it('still answers reads and mutations from PostgreSQL when Redis is unreachable', async () => {
    // Port 1 has nothing listening: every Redis command fails at once.
    const offline = await harness.start({ port: 4465, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const created = await createProduct(offline, {
        name: 'Offline lamp',
        category: 'Offline',
        price: { amount: 700, currency: 'EUR' },
      });
      expect(await price(offline, created.id)).toBe(700);
      const update = await offline.call<{ updateProduct: Payload }>(
        UPDATE_PRODUCT,
        { input: { id: created.id, price: { amount: 650, currency: 'EUR' } } },
        ADMIN,
      );
      expect(update.data?.updateProduct.product?.price.amount).toBe(650);
      expect(await price(offline, created.id)).toBe(650);
      const page = await offline.call<{ products: CatalogPage }>(CATALOG, {
        category: 'Offline',
      });
      expect(page.errors).toBeUndefined();
      expect(page.data?.products.edges.map((e) => e.node.price.amount)).toEqual([650]);
      const refs = await offline.call<{ _entities: { id: string }[] }>(ENTITIES, {
        representations: [{ __typename: 'Product', id: created.id }],
      });
      expect(refs.data?._entities).toEqual([
        {
          id: created.id,
          name: 'Offline lamp',
          archived: false,
          price: { amount: 650, currency: 'EUR' },
        },
      ]);
    } finally {
      await offline.stop();
    }
  });
});

describe('turned off', () => {
  it('with CATALOG_CACHE_TTL=0 reads from PostgreSQL every time, neither reads nor writes entries, and still invalidates for replicas that cache', async () => {
    const off = await harness.start({ port: 4466, env: { CATALOG_CACHE_TTL: '0' } });
    const reads = countProductQueries(off);
    try {
      const created = await createProduct(replicaA, {
        name: 'Uncached mill',
        category: 'Uncached',
        price: { amount: 3000, currency: 'EUR' },
      });
      await settled(created.id);
      // Plant a wrong price in the shared entry: whoever reads Redis serves it.
      const key = `catalog:v1:product:${created.id}`;
      expect(await price(replicaB, created.id)).toBe(3000);
      const entry = JSON.parse((await redis.get(key))!) as ProductRecord;
      await redis.set(key, JSON.stringify({ ...entry, priceAmount: 1 }), 'PX', 60_000);
      expect(await price(replicaB, created.id)).toBe(1);

      reads.reset();
      expect(await price(off, created.id)).toBe(3000);
      expect(await price(off, created.id)).toBe(3000);
      expect(reads.count).toBe(2);

      await redis.del(key);
      reads.reset();
      const listing = { category: 'Uncached', first: 10 };
      for (let i = 0; i < 2; i++) {
        const page = await off.call<{ products: CatalogPage }>(CATALOG, listing);
        expect(page.data?.products.edges.map((e) => e.node.price.amount)).toEqual([3000]);
      }
      expect(reads.count).toBe(4); // COUNT and rows, twice: no page served from Redis
      expect(await redis.exists(key)).toBe(0); // and nothing written back

      expect(await price(replicaB, created.id)).toBe(3000); // B caches it again
      const res = await off.call<{ updateProduct: Payload }>(
        UPDATE_PRODUCT,
        { input: { id: created.id, price: { amount: 2500, currency: 'EUR' } } },
        ADMIN,
      );
      expect(res.data?.updateProduct.userErrors).toEqual([]);
      expect(await price(replicaB, created.id)).toBe(2500);
    } finally {
      reads.restore();
      await off.stop();
    }
  });
});
