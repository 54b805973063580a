import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput } from '../../../platform/errors.js';
import { isUuid } from '../../../platform/ids.js';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type Connection,
} from '../../../platform/pagination.js';
import { ProductSchema, toProductRecord, type ProductRecord } from '../entities.js';
import type { ProductFilter } from './product-input.js';

/**
 * The catalogue's reads from PostgreSQL; the cache sits in front of them.
 * The listing is keyset-paginated on (name, id): `name` is collated "C", so
 * the order and cursors are the same on every server.
 */

/** Cursors carry a name of up to 200 characters; in UTF-8 and base64 that can exceed the default limit. */
const MAX_CURSOR_LENGTH = 1024;

/** The (name, id) a cursor points after; a cursor we could not have made is BAD_USER_INPUT. */
export function decodeProductCursor(after: string | null | undefined): [string, string] | null {
  const key = decodeCursor(after, ['string', 'string'] as const, MAX_CURSOR_LENGTH);
  if (key && !isUuid(key[1])) throw badUserInput('after is not a valid cursor', ['after']);
  return key ? [key[0], key[1]] : null;
}

const cursorOf = (product: ProductRecord) => encodeCursor([product.name, product.id]);

/** All products with these ids (archived ones too), in one query; malformed ids match nothing. */
export async function findProductsByIds(
  em: EntityManager,
  ids: readonly string[],
): Promise<ProductRecord[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  const rows = await em.find(ProductSchema, { id: { $in: valid } }, { disableIdentityMap: true });
  return rows.map(toProductRecord);
}

/** `%`, `_` and `\` are wildcards or the escape in LIKE; a search for them means the characters. */
export function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** One page of the active catalogue: a COUNT and a keyset range scan of `size + 1` rows. */
export async function findProductPage(
  em: EntityManager,
  filter: ProductFilter,
  size: number,
  after: [string, string] | null,
): Promise<Connection<ProductRecord>> {
  const qb = em.createQueryBuilder(ProductSchema, 'p').where({ archivedAt: null });
  if (filter.category) qb.andWhere({ category: filter.category });
  if (filter.search) {
    const pattern = likePattern(filter.search);
    qb.andWhere({
      $or: [
        { name: { $ilike: pattern } },
        { sku: { $ilike: pattern } },
        { description: { $ilike: pattern } },
      ],
    });
  }
  const totalCount = await qb.clone().getCount();
  if (after) qb.andWhere('(p.name, p.id) > (?, ?::uuid)', after);
  const rows = await qb
    .orderBy({ name: 'asc', id: 'asc' })
    .limit(size + 1)
    .getResultList();
  return toConnection(rows.map(toProductRecord), size, totalCount, cursorOf);
}
