import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../ids.js';

/**
 * Raw SQL through MikroORM's connection, on the EntityManager's current
 * transaction when it has one, so the statement commits or rolls back with
 * the caller's changes. Placeholders are `?` (MikroORM binds them, escaping
 * values); pass JSON as a string and cast it (`?::jsonb`).
 */
export async function queryRows<Row extends object>(
  em: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return em.getConnection().execute<Row[]>(sql, params, 'all', em.getTransactionContext());
}

/**
 * `queryRows` for a statement ending in `IN (?)` over uuid ids: malformed ids
 * match nothing, and without a valid id no statement is sent at all.
 */
export async function queryRowsByIds<Row extends object>(
  em: EntityManager,
  sql: string,
  ids: readonly string[],
): Promise<Row[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  // An array parameter becomes a list of quoted values.
  return queryRows<Row>(em, sql, [valid]);
}

/** Like `queryRows` for statements whose row count is what matters; returns it. */
export async function executeSql(
  em: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<number> {
  const result = await em
    .getConnection()
    .execute<{ affectedRows: number }>(sql, params, 'run', em.getTransactionContext());
  return result.affectedRows;
}

/**
 * A timestamp column of a `queryRows` row as a Date: MikroORM's driver hands
 * timestamps over as text (its entities parse them themselves).
 */
export const rowDate = (value: string | Date): Date =>
  value instanceof Date ? value : new Date(value);
