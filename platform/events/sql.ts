import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { isUuid } from '../ids.js';

/** What this module needs of the driver's connection (a `pg` client). */
interface PgConnection {
  query(
    statement: string | { name?: string; text: string; values: unknown[] },
  ): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * Prepared statement names by text. The services' SQL is a fixed set of
 * strings, so this stays small; the cap only guards against a caller that
 * builds texts on the fly (past it, statements are parsed each time).
 */
const statementNames = new Map<string, string>();
const MAX_PREPARED_STATEMENTS = 500;

/**
 * The statement as PostgreSQL prepares it: `?` become `$1…$n` and the values
 * travel apart, and each text is parsed and planned once per connection
 * instead of on every call (half of PostgreSQL's CPU for a short statement).
 * An array value travels as one array parameter where the text allows it:
 * `IN (?)` becomes `= ANY($n)` and `ARRAY[?]::type[]` becomes `$n::type[]`,
 * the same rows for any length (and none for an empty array). Anywhere else,
 * the statement keeps MikroORM's formatting (a list of escaped literals).
 */
function prepared(em: EntityManager, sql: string, params: unknown[]) {
  let text = '';
  let from = 0;
  let count = 0;
  for (let at = sql.indexOf('?'); at !== -1; at = sql.indexOf('?', at + 1)) {
    if (count === params.length) return em.getPlatform().formatQuery(sql, params);
    const value = params[count];
    count += 1;
    if (!Array.isArray(value)) {
      text += `${sql.slice(from, at)}$${count}`;
    } else if (isInList(sql, at)) {
      text += `${sql.slice(from, at - 'IN ('.length)}= ANY($${count})`;
      at += 1; // past the closing parenthesis
    } else if (isCastArray(sql, at)) {
      text += `${sql.slice(from, at - 'ARRAY['.length)}$${count}`;
      at += 1; // past the closing bracket; the cast stays
    } else {
      return em.getPlatform().formatQuery(sql, params);
    }
    from = at + 1;
  }
  text += sql.slice(from);
  if (count !== params.length) return em.getPlatform().formatQuery(sql, params);
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_PREPARED_STATEMENTS) {
    name = `sql${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values: params.map((value) => value ?? null) };
}

/** `… IN (?)`, but not `NOT IN (?)` (which `= ANY` would turn around). */
function isInList(sql: string, at: number): boolean {
  return (
    sql[at + 1] === ')' &&
    /(^|[^A-Za-z_])IN \($/i.test(sql.slice(Math.max(0, at - 5), at)) &&
    !/NOT\s+$/i.test(sql.slice(Math.max(0, at - 12), at - 'IN ('.length))
  );
}

/** `ARRAY[?]::type[]`: the cast names the element type. */
function isCastArray(sql: string, at: number): boolean {
  return (
    sql.slice(at - 'ARRAY['.length, at).toUpperCase() === 'ARRAY[' &&
    sql.slice(at + 1, at + 4) === ']::'
  );
}

/**
 * Sends one statement on the connection MikroORM would use: the
 * EntityManager's transaction's when it has one (so it commits or rolls back
 * with the caller's changes), else one borrowed from the pool. MikroORM's
 * query logger sees it as before (`debug: ['query']`), but it goes straight
 * to the driver: knex's raw-query pipeline around it cost ~40 % of the Node
 * CPU of a statement (150 → 90 µs), and our services send dozens per order.
 */
async function send(em: EntityManager, sql: string, params: unknown[]) {
  const statement = prepared(em, sql, params);
  const text = typeof statement === 'string' ? statement : statement.text;
  const logger = em.config.getLogger();
  const started = Date.now();
  try {
    const result = await onConnection(em, (connection) => connection.query(statement));
    logger.logQuery({
      query: text,
      params: typeof statement === 'string' ? undefined : statement.values,
      took: Date.now() - started,
      results: result.rows.length,
      affected: result.rowCount ?? undefined,
    });
    return result;
  } catch (err) {
    logger.logQuery({ query: text, took: Date.now() - started, level: 'error' });
    throw err;
  }
}

async function onConnection<T>(
  em: EntityManager,
  use: (connection: PgConnection) => Promise<T>,
): Promise<T> {
  const trx = em.getTransactionContext<Knex.Transaction>();
  if (trx) {
    // knex refuses the same; on a finished transaction the connection may be someone else's.
    if (trx.isCompleted()) throw new Error('the transaction is already complete');
    return use((await trx.client.acquireConnection()) as PgConnection);
  }
  const { client } = em.getConnection().getKnex();
  const connection = (await client.acquireConnection()) as PgConnection;
  try {
    return await use(connection);
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Raw SQL on the EntityManager's connection (see `send`). Placeholders are
 * `?`; an array value becomes a list of values (`IN (?)`, `ARRAY[?]`). Other
 * values are bound as parameters, so where PostgreSQL cannot tell a
 * parameter's type from its context, cast it (`?::text IS NULL`); pass JSON
 * as a string and cast it (`?::jsonb`).
 */
export async function queryRows<Row extends object>(
  em: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return (await send(em, sql, params)).rows as Row[];
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
  return (await send(em, sql, params)).rowCount ?? 0;
}

/**
 * A timestamp column of a `queryRows` row as a Date: MikroORM's driver hands
 * timestamps over as text (its entities parse them themselves).
 */
export const rowDate = (value: string | Date): Date =>
  value instanceof Date ? value : new Date(value);
