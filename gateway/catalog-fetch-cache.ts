import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { CATALOG_GENERATION_KEY } from '../platform/catalog-generation.js';
import type { Identity } from '../platform/identity.js';
import { Lru } from '../platform/lru.js';
import { metricsRegistry } from '../platform/metrics.js';

/**
 * The gateway's copies of the product subgraph's answers (decision 27): a
 * catalogue read the gateway has fetched before is answered from this
 * process's memory, without the call to the product subgraph. Inventory,
 * orders and the rest are never kept: only the catalogue, which changes when
 * an admin edits it, is read far more often than it changes.
 *
 * As fresh as the product subgraph's own cache: an entry carries the
 * catalogue generation (platform/catalog-generation.ts) read before its fetch
 * was sent, and counts only while that is still the generation in Redis. The
 * product subgraph raises it after a change commits and before the mutation
 * answers, and every request here reads it afresh (below), so once a change
 * has been answered no request that starts afterwards sees what it replaced,
 * on any gateway process. A fetch that raced a change is kept under the older
 * generation and so never served.
 *
 * Redis unreachable or slow to answer: nothing is served from or kept in
 * memory (every read goes to the product subgraph), and what was kept before
 * is dropped, since a change made meanwhile may not have raised the generation.
 * So is everything when the generation goes back (Redis lost the counter and
 * may count up again to values entries were kept under).
 */

export interface CatalogFetchCacheOptions {
  /** How long an entry may be served at most; 0 turns the cache off. */
  ttlMs: number;
  /** Bound on the entries' size (answer and key text, counted as characters). */
  maxChars: number;
}

interface Entry {
  /** The generation read before the fetch, tagged with the connection epoch. */
  generation: string;
  text: string;
  expiresAt: number;
  chars: number;
}

const lookups = new Counter({
  name: 'gateway_catalog_cache_lookups_total',
  help: 'Catalogue fetches the gateway looked up in its memory, by result (hit, miss, bypass: Redis unusable).',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/** What a lookup found: the answer's text, or the generation to keep the fetched answer under. */
export type Lookup = { text: string } | { generation: string } | null;

export class CatalogFetchCache {
  private readonly entries: Lru<string, Entry>;
  private readonly generations: GenerationReader;
  /** Raised whenever the Redis connection drops: generations read before it count no more. */
  private epoch = 0;
  /** The highest generation read so far ('' counts as 0). */
  private highest = 0;

  constructor(
    redis: Redis,
    private readonly options: CatalogFetchCacheOptions,
  ) {
    this.entries = new Lru<string, Entry>(options.maxChars, (entry) => entry.chars);
    this.generations = new GenerationReader(redis, () => this.forget());
    redis.on('close', () => this.forget());
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  /**
   * The key of a fetch: its document and variables, and the caller's roles.
   * The product subgraph answers reads alike for everyone; roles stay in the
   * key so that a field that one day answers admins differently cannot leak.
   */
  static key(identity: Identity | null, query: string, variables: unknown): string {
    const roles = identity ? [...identity.roles].sort().join(',') : '';
    return `${roles}\n${query}\n${JSON.stringify(variables ?? null)}`;
  }

  /**
   * The catalogue generation as of now, tagged with the connection epoch;
   * null when Redis cannot tell. Read for each lookup: a request's plan
   * reaches the product subgraph in the same turn of the event loop as its
   * parsing and planning, so reading it earlier would overlap nothing.
   */
  private async generation(): Promise<string | null> {
    const epoch = this.epoch;
    const current = await this.generations.read();
    if (current === null) return null;
    // Lower than before: Redis lost the counter (flushed, restored from an
    // older snapshot) and may count up to values entries were kept under.
    const value = Number(current);
    if (value < this.highest) this.forget();
    this.highest = value;
    return `${epoch}:${current}`;
  }

  async lookup(key: string): Promise<Lookup> {
    const tagged = await this.generation();
    if (tagged === null || !this.current(tagged)) {
      lookups.inc({ result: 'bypass' });
      return null;
    }
    const entry = this.entries.get(key);
    if (entry && entry.generation === tagged && entry.expiresAt > Date.now()) {
      lookups.inc({ result: 'hit' });
      return { text: entry.text };
    }
    if (entry) this.entries.delete(key);
    lookups.inc({ result: 'miss' });
    return { generation: tagged };
  }

  /** Keeps a fetched answer under the generation its lookup returned. */
  keep(key: string, generation: string, text: string): void {
    // Fetched across a dropped connection: a change may have gone unannounced.
    if (!this.current(generation)) return;
    this.entries.set(key, {
      generation,
      text,
      expiresAt: Date.now() + this.options.ttlMs,
      chars: key.length + text.length,
    });
  }

  /** Read since the connection last dropped or stalled. */
  private current(generation: string): boolean {
    return generation.startsWith(`${this.epoch}:`);
  }

  /**
   * A change made while Redis could not be reached may not have raised the
   * generation: nothing kept before then is trusted again, nor any generation
   * read before then.
   */
  private forget(): void {
    this.epoch += 1;
    this.entries.clear();
  }
}

/** Beyond this a generation read counts as failed: the request goes to the product subgraph. */
const GENERATION_WAIT_MS = 100;

/**
 * Reads the generation for every request, one Redis GET for all the requests
 * that ask in the same turn of the event loop. A request never takes the
 * answer of a GET sent before it asked (that could predate a change answered
 * in between): it joins the next one. null when Redis is not connected, or
 * does not answer within GENERATION_WAIT_MS; `onFailure` is told.
 */
class GenerationReader {
  private pending: Promise<string | null> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly onFailure: () => void,
  ) {}

  read(): Promise<string | null> {
    if (this.redis.status !== 'ready') return Promise.resolve(null);
    this.pending ??= new Promise((resolve) => {
      setImmediate(() => {
        this.pending = null;
        let settled = false;
        const settle = (value: string | null) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (value === null) this.onFailure();
          resolve(value);
        };
        // Checked after the loop's next poll for I/O, not in the timers phase before
        // it: when the gateway itself runs late, the answer may be waiting unread,
        // and a busy gateway must not take that for a Redis fault and drop its copies.
        const timer = setTimeout(() => setImmediate(() => settle(null)), GENERATION_WAIT_MS);
        this.redis.get(CATALOG_GENERATION_KEY).then(
          (value) => settle(value ?? ''),
          () => settle(null),
        );
      });
    });
    return this.pending;
  }
}
