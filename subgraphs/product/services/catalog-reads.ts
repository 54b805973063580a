import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../../platform/ids.js';
import { pageSize, type Connection } from '../../../platform/pagination.js';
import type { RequestContext } from '../../../platform/subgraph.js';
import type { ProductRecord } from '../entities.js';
import type { CatalogCache } from './catalog-cache.js';
import { parseFilter } from './product-input.js';
import { decodeProductCursor, findProductPage, findProductsByIds } from './product-queries.js';

export const DEFAULT_PAGE_SIZE = 20;

export interface ListArgs {
  first?: number | null;
  after?: string | null;
  filter?: { search?: string | null; category?: string | null } | null;
}

/** Catalogue reads: the cache first, PostgreSQL for what it does not hold. Open to everyone. */
export class CatalogReads {
  constructor(private readonly cache: CatalogCache) {}

  /**
   * Products by id for one batch of a request's references: one Redis round
   * trip for all of them, one SQL query for the misses. Unknown or malformed
   * ids come back as null.
   */
  async productsByIds(em: EntityManager, ids: readonly string[]): Promise<ProductRecord[]> {
    const wanted = [...new Set(ids.filter(isUuid))];
    if (wanted.length === 0) return [];
    const { found, generation } = await this.cache.getProducts(wanted);
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length === 0) return [...found.values()];
    const loaded = await findProductsByIds(em, missing);
    await this.cache.putProducts(loaded, generation);
    return [...found.values(), ...loaded];
  }

  /** One page of the active catalogue, by name. Bad arguments are BAD_USER_INPUT. */
  async listProducts(ctx: RequestContext, args: ListArgs): Promise<Connection<ProductRecord>> {
    const first = pageSize(args.first, DEFAULT_PAGE_SIZE);
    const after = decodeProductCursor(args.after);
    const filter = parseFilter(args.filter);
    const query = { filter, first, after: args.after ?? null };
    const cached = await this.cache.getPage(query);
    if (cached.page) return cached.page;
    const page = await findProductPage(ctx.em, filter, first, after);
    await this.cache.putPage(query, page, cached.generation);
    return page;
  }
}
