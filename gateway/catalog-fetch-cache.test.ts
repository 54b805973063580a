import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CATALOG_GENERATION_KEY } from '../platform/catalog-generation.js';
import { createLogger } from '../platform/logger.js';
import { connectRedis, createRedis } from '../platform/redis.js';
import { CatalogFetchCache, type Lookup } from './catalog-fetch-cache.js';

/**
 * The gateway's copies of product answers against the run's real Redis, each
 * test on a key prefix of its own, raising the catalogue generation as the
 * product subgraph does after a change.
 */

const logger = createLogger('test', 'silent');
const clients: Redis[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

/** A client on keys of its own, or on `prefix`'s. */
async function connected(prefix?: string): Promise<Redis> {
  const keys = prefix ?? `${inject('testEnv').REDIS_KEY_PREFIX}cfc-${randomUUID().slice(0, 8)}:`;
  const redis = createRedis(inject('testEnv').REDIS_URL!, keys, logger);
  clients.push(redis);
  await connectRedis(redis);
  return redis;
}

const cacheOn = (redis: Redis, ttlMs = 60_000) =>
  new CatalogFetchCache(redis, { ttlMs, maxChars: 1_000_000 });

/** A change to the catalogue, as the product subgraph announces it. */
const change = (redis: Redis) => redis.incr(CATALOG_GENERATION_KEY);

function generationOf(found: Lookup): string {
  if (!found || !('generation' in found))
    throw new Error(`expected a miss, got ${JSON.stringify(found)}`);
  return found.generation;
}

const KEY = CatalogFetchCache.key(null, 'query { product(id: "p1") { name } }', {});
const ANSWER = '{"data":{"product":{"name":"Lamp"}}}';
/** Not in memory: the fetch goes to the product subgraph and its answer may be kept. */
const MISS = { generation: expect.any(String) };

describe('the gateway catalogue cache', () => {
  it('serves a kept answer while the catalogue stands still, and not once a change is announced', async () => {
    const redis = await connected();
    const cache = cacheOn(redis);

    cache.keep(KEY, generationOf(await cache.lookup(KEY)), ANSWER);
    expect(await cache.lookup(KEY)).toEqual({ text: ANSWER });

    await change(redis);
    const after = await cache.lookup(KEY);
    expect(after).toEqual(MISS);
    cache.keep(KEY, generationOf(after), '{"data":{"product":{"name":"Desk lamp"}}}');
    expect(await cache.lookup(KEY)).toEqual({ text: '{"data":{"product":{"name":"Desk lamp"}}}' });
  });

  it('never serves an answer fetched while a change was being made', async () => {
    const redis = await connected();
    const cache = cacheOn(redis);

    const before = generationOf(await cache.lookup(KEY));
    // The fetch was under way when the change committed: it may hold the old product.
    await change(redis);
    cache.keep(KEY, before, ANSWER);

    expect(await cache.lookup(KEY)).toEqual(MISS);
  });

  it('follows a change the product subgraph announced on its own connection at once', async () => {
    const redis = await connected();
    const product = await connected(redis.options.keyPrefix);
    const cache = cacheOn(redis);
    cache.keep(KEY, generationOf(await cache.lookup(KEY)), ANSWER);
    expect(await cache.lookup(KEY)).toEqual({ text: ANSWER });

    await change(product);

    expect(await cache.lookup(KEY)).toEqual(MISS);
  });

  it('drops everything kept when the Redis connection drops, and keeps nothing fetched across it', async () => {
    const redis = await connected();
    const cache = cacheOn(redis);
    const other = CatalogFetchCache.key(null, 'query { products { totalCount } }', {});
    cache.keep(KEY, generationOf(await cache.lookup(KEY)), ANSWER);
    const pending = generationOf(await cache.lookup(other));

    // Dropped, and made again at once, as after a network blip.
    redis.disconnect(true);
    cache.keep(other, pending, '{"data":{"products":{"totalCount":3}}}');
    await once(redis, 'ready');

    expect(await cache.lookup(KEY)).toEqual(MISS);
    expect(await cache.lookup(other)).toEqual(MISS);
  });

  it('sends a read to the product subgraph when Redis is slow to answer, and trusts nothing kept before', async () => {
    const redis = await connected();
    const cache = cacheOn(redis);
    cache.keep(KEY, generationOf(await cache.lookup(KEY)), ANSWER);

    // Redis stops answering every client for a moment (a stall, a failover).
    await (await connected()).call('CLIENT', 'PAUSE', '300', 'ALL');
    const started = Date.now();
    expect(await cache.lookup(KEY)).toBeNull();
    expect(Date.now() - started).toBeLessThan(250);
    await new Promise((r) => setTimeout(r, 300));

    expect(await cache.lookup(KEY)).toEqual(MISS);
  });

  it('does not take its own lateness for a Redis fault: a busy gateway keeps serving its copies', async () => {
    const redis = await connected();
    const cache = cacheOn(redis);
    cache.keep(KEY, generationOf(await cache.lookup(KEY)), ANSWER);

    const pending = cache.lookup(KEY);
    // Once the GET is on its way (ioredis writes it in the next check phase),
    // the gateway is busy past the read's deadline while Redis answers at once.
    setImmediate(() =>
      setImmediate(() => {
        const until = Date.now() + 150;
        while (Date.now() < until);
      }),
    );

    expect(await pending).toEqual({ text: ANSWER });
    expect(await cache.lookup(KEY)).toEqual({ text: ANSWER });
  });

  it('trusts nothing kept once the generation goes back, as after Redis lost its data', async () => {
    const redis = await connected();
    const cache = cacheOn(redis);
    await redis.set(CATALOG_GENERATION_KEY, '5');
    cache.keep(KEY, generationOf(await cache.lookup(KEY)), ANSWER);

    // Flushed, then five changes: the counter is back at the value KEY was kept under.
    await redis.del(CATALOG_GENERATION_KEY);
    expect(await cache.lookup(KEY)).not.toEqual({ text: ANSWER });
    for (let i = 0; i < 5; i++) await change(redis);

    expect(await cache.lookup(KEY)).toEqual(MISS);
  });

  it('sends every read to the product subgraph while Redis cannot be reached', async () => {
    const down = createRedis('redis://127.0.0.1:6399', 'down:', logger);
    clients.push(down);
    await connectRedis(down).catch(() => {});
    const cache = cacheOn(down);

    expect(await cache.lookup(KEY)).toBeNull();
  });

  it('serves an answer no longer than the TTL', async () => {
    const redis = await connected();
    const cache = cacheOn(redis, 50);
    cache.keep(KEY, generationOf(await cache.lookup(KEY)), ANSWER);
    expect(await cache.lookup(KEY)).toEqual({ text: ANSWER });

    await new Promise((r) => setTimeout(r, 80));
    expect(await cache.lookup(KEY)).toEqual(MISS);
  });

  it('keeps one answer for every caller with the same roles, apart from other roles', () => {
    const query = 'query { product(id: "p1") { name } }';
    const ann = CatalogFetchCache.key({ userId: 'ann', roles: ['CUSTOMER'] }, query, {});
    const ben = CatalogFetchCache.key({ userId: 'ben', roles: ['CUSTOMER'] }, query, {});
    const admin = CatalogFetchCache.key({ userId: 'root', roles: ['ADMIN'] }, query, {});

    expect(ann).toBe(ben);
    expect(new Set([ann, admin, CatalogFetchCache.key(null, query, {})]).size).toBe(3);
    expect(CatalogFetchCache.key(null, query, { id: 'p2' })).not.toBe(
      CatalogFetchCache.key(null, query, { id: 'p1' }),
    );
  });
});
