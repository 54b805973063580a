import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import {
  CATALOG_CACHE_NAMESPACE,
  CATALOG_GENERATION_KEY,
} from '../../../platform/catalog-generation.js';
import { metricsRegistry } from '../../../platform/metrics.js';
import type { Logger } from '../../../platform/logger.js';
import type { Connection } from '../../../platform/pagination.js';
import type { ProductRecord } from '../entities.js';
import type { ProductFilter } from './product-input.js';

/**
 * The catalogue cache in Redis, shared by every replica of the product
 * subgraph. PostgreSQL stays the truth; Redis only saves it work.
 *
 * Two kinds of entry:
 * - products by id, read for all references of a request in one MGET;
 * - listing pages keyed by (filter, first, after), totalCount included.
 *
 * Invalidation: every catalogue change, right after its commit, atomically
 * raises the generation counter (platform/catalog-generation.ts; the gateway's
 * copies of product answers follow it too) and deletes the changed products' entries.
 * Page entries remember the generation they were read under and count only
 * while it is current, so one INCR retires every page at once. Because all
 * replicas read the same Redis, a change is invisible to nobody once the
 * mutation has returned.
 *
 * The race this guards against: a reader loads a row from PostgreSQL just
 * before a change commits and writes it back just after the invalidation.
 * Readers take the generation in the same round trip as their lookup, before
 * querying PostgreSQL, and write back only if it is still the same (one Lua
 * script, so check and write are atomic). Either the write lands before the
 * invalidation and is deleted by it, or after it and is refused.
 *
 * Redis down: reads and writes are skipped (the request goes to PostgreSQL),
 * logged once per outage. An invalidation that could not be delivered is kept
 * and retried, and until it is delivered this replica does not read from the
 * cache at all.
 *
 * Turned off (a TTL of 0, CATALOG_CACHE_TTL=0): this replica neither reads nor
 * writes entries, but still sends its invalidations, so replicas that do cache
 * in the same Redis never keep what its changes made stale.
 */

const NAMESPACE = CATALOG_CACHE_NAMESPACE;
const GENERATION_KEY = CATALOG_GENERATION_KEY;
const productKey = (id: string) => `${NAMESPACE}product:${id}`;
const pageKey = (hash: string) => `${NAMESPACE}page:${hash}`;

const RETRY_INTERVAL_MS = 250;

/** Opaque token for "the generation this read saw"; '' when the counter does not exist yet. */
export type Generation = string;

export interface PageQuery {
  filter: ProductFilter;
  first: number;
  after: string | null;
}

interface CachedPage {
  generation: Generation;
  page: Connection<ProductRecord>;
}

/**
 * KEYS[1] the generation counter, KEYS[2..] entries; ARGV[1] the generation
 * the values were read under, ARGV[2] TTL in ms, ARGV[3..] the values.
 */
const PUT_IF_GENERATION = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[2])
end
return 1`;

interface RedisWithCatalogCommands extends Redis {
  catalogPutIfGeneration(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
}

const hits = new Counter({
  name: 'catalog_cache_hits_total',
  help: 'Catalogue reads answered from Redis, by kind of entry (product, page).',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});
const misses = new Counter({
  name: 'catalog_cache_misses_total',
  help: 'Catalogue reads that went to PostgreSQL, by kind of entry (product, page).',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});
const failures = new Counter({
  name: 'catalog_cache_errors_total',
  help: 'Redis commands of the catalogue cache that failed (the request fell back to PostgreSQL).',
  registers: [metricsRegistry],
});

export class CatalogCache {
  private readonly redis: RedisWithCatalogCommands | null;
  /**
   * Invalidations are numbered as they are asked for; `delivered` is the
   * highest number known to have reached Redis. Product ids wait here with the
   * number of the latest request that named them.
   */
  private requested = 0;
  private delivered = 0;
  private readonly pendingIds = new Map<string, number>();
  private retryTimer: NodeJS.Timeout | null = null;
  private degraded = false;
  private stopped = false;

  constructor(
    redis: Redis | null,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    if (redis) {
      redis.defineCommand('catalogPutIfGeneration', { lua: PUT_IF_GENERATION });
      // Deliver what was missed as soon as Redis is back, before serving from it again.
      redis.on('ready', () => void this.flushPending());
    }
    this.redis = redis as RedisWithCatalogCommands | null;
  }

  /** Every product of `ids` that is cached, and the generation to write misses back under. */
  async getProducts(
    ids: readonly string[],
  ): Promise<{ found: Map<string, ProductRecord>; generation: Generation | null }> {
    const found = new Map<string, ProductRecord>();
    const redis = this.usable();
    if (!redis || ids.length === 0) {
      misses.inc({ kind: 'product' }, ids.length);
      return { found, generation: null };
    }
    try {
      const [generation, ...values] = await redis.mget(GENERATION_KEY, ...ids.map(productKey));
      ids.forEach((id, i) => {
        const record = parse<ProductRecord>(values[i]);
        if (record?.id === id) found.set(id, record);
      });
      this.recovered();
      hits.inc({ kind: 'product' }, found.size);
      misses.inc({ kind: 'product' }, ids.length - found.size);
      return { found, generation: generation ?? '' };
    } catch (err) {
      this.failed(err);
      misses.inc({ kind: 'product' }, ids.length);
      return { found, generation: null };
    }
  }

  /** Writes products read from PostgreSQL back, unless the catalogue changed since `generation`. */
  async putProducts(records: readonly ProductRecord[], generation: Generation | null) {
    if (records.length === 0) return;
    await this.putIfGeneration(
      generation,
      records.map((r) => productKey(r.id)),
      records.map((r) => JSON.stringify(r)),
    );
  }

  async getPage(
    query: PageQuery,
  ): Promise<{ page: Connection<ProductRecord> | null; generation: Generation | null }> {
    const redis = this.usable();
    if (!redis) {
      misses.inc({ kind: 'page' });
      return { page: null, generation: null };
    }
    try {
      const [generation, value] = await redis.mget(GENERATION_KEY, pageKey(hashQuery(query)));
      const current = generation ?? '';
      const cached = parse<CachedPage>(value);
      this.recovered();
      if (cached && cached.generation === current) {
        hits.inc({ kind: 'page' });
        return { page: cached.page, generation: current };
      }
      misses.inc({ kind: 'page' });
      return { page: null, generation: current };
    } catch (err) {
      this.failed(err);
      misses.inc({ kind: 'page' });
      return { page: null, generation: null };
    }
  }

  async putPage(
    query: PageQuery,
    page: Connection<ProductRecord>,
    generation: Generation | null,
  ): Promise<void> {
    if (generation === null) return;
    const value: CachedPage = { generation, page };
    await this.putIfGeneration(generation, [pageKey(hashQuery(query))], [JSON.stringify(value)]);
  }

  /**
   * Retires every cached page and the given products' entries. Call it after
   * the change has committed. Never throws: if Redis cannot be reached, the
   * invalidation is retried until it is delivered.
   */
  async invalidate(productIds: readonly string[]): Promise<void> {
    if (!this.redis) return;
    const request = ++this.requested;
    for (const id of productIds) this.pendingIds.set(id, request);
    await this.flushPending();
  }

  /** Stops retrying; called at shutdown. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private get pending(): boolean {
    return this.delivered < this.requested;
  }

  private async flushPending(): Promise<void> {
    const redis = this.redis;
    if (!redis || !this.pending || this.stopped) return;
    // Requests made while this round trip is under way are sent by their own call.
    const covers = this.requested;
    const ids = [...this.pendingIds.keys()];
    try {
      const multi = redis.multi().incr(GENERATION_KEY);
      if (ids.length) multi.del(...ids.map(productKey));
      const results = await multi.exec();
      const error = results?.find(([err]) => err)?.[0];
      if (!results || error) throw error ?? new Error('transaction discarded');
      this.delivered = Math.max(this.delivered, covers);
      for (const [id, request] of this.pendingIds) {
        if (request <= covers) this.pendingIds.delete(id);
      }
      this.recovered();
    } catch (err) {
      this.failed(err);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.flushPending();
    }, RETRY_INTERVAL_MS);
    this.retryTimer.unref();
  }

  private async putIfGeneration(
    generation: Generation | null,
    keys: string[],
    values: string[],
  ): Promise<void> {
    const redis = this.usable();
    if (!redis || generation === null) return;
    try {
      await redis.catalogPutIfGeneration(
        keys.length + 1,
        GENERATION_KEY,
        ...keys,
        generation,
        this.ttlMs,
        ...values,
      );
    } catch (err) {
      this.failed(err);
    }
  }

  /**
   * The client when the cache may be used: turned on, connected, and no
   * invalidation of ours still on its way (until it lands, the cache may hold
   * what it retires).
   */
  private usable(): RedisWithCatalogCommands | null {
    const redis = this.redis;
    if (!redis || this.ttlMs === 0) return null;
    if (redis.status !== 'ready') {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn('catalog cache unavailable; serving the catalogue from PostgreSQL');
      }
      return null;
    }
    return this.pending ? null : redis;
  }

  private failed(err: unknown): void {
    failures.inc();
    if (!this.degraded) {
      this.degraded = true;
      this.logger.warn(
        { err: (err as Error)?.message },
        'catalog cache unavailable; serving the catalogue from PostgreSQL',
      );
    }
  }

  private recovered(): void {
    if (this.degraded && !this.pending) {
      this.degraded = false;
      this.logger.info('catalog cache available again');
    }
  }
}

function hashQuery(query: PageQuery): string {
  const key = JSON.stringify([
    query.filter.search,
    query.filter.category,
    query.first,
    query.after,
  ]);
  return createHash('sha256').update(key).digest('base64url');
}

/** A cached value, or null when absent or unreadable (an entry from an older release, say). */
function parse<T>(value: string | null | undefined): T | null {
  if (!value) return null;
  try {
    return JSON.parse(value) as T;
  } catch {
    return null;
  }
}
