import type { EntityManager } from '@mikro-orm/postgresql';

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
