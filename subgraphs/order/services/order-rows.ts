import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows, queryRowsByIds, rowDate } from '../../../platform/events/sql.js';
import type { Order, OrderLine, OrderStatus, OrderStatusReason } from '../entities.js';

/**
 * Reading orders and their lines as plain SQL. These reads run on every order
 * page, every entity reference from another subgraph, every subscription
 * resolution and every saga step; the ORM's find (criteria parsing, query
 * building, metadata, hydration, an identity map) cost several times the query
 * itself (decision 17). Writes stay where they are: inserts through the ORM,
 * status changes as compare-and-set UPDATEs (order-transitions.ts).
 */

const ORDER_COLUMNS = `id, customer_id, status, status_reason, version, total_amount, currency,
  shipping_line1, shipping_city, shipping_postal_code, shipping_country, payment_method,
  idempotency_key, request_fingerprint, expires_at, created_at, updated_at`;

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  status_reason: OrderStatusReason | null;
  version: number;
  total_amount: number;
  currency: string;
  shipping_line1: string;
  shipping_city: string;
  shipping_postal_code: string;
  shipping_country: string;
  payment_method: string;
  idempotency_key: string;
  request_fingerprint: string;
  expires_at: string | Date;
  created_at: string | Date;
  updated_at: string | Date;
}

const orderFromRow = (row: OrderRow): Order => ({
  id: row.id,
  customerId: row.customer_id,
  status: row.status,
  statusReason: row.status_reason,
  version: row.version,
  totalAmount: row.total_amount,
  currency: row.currency,
  shippingLine1: row.shipping_line1,
  shippingCity: row.shipping_city,
  shippingPostalCode: row.shipping_postal_code,
  shippingCountry: row.shipping_country,
  paymentMethod: row.payment_method,
  idempotencyKey: row.idempotency_key,
  requestFingerprint: row.request_fingerprint,
  expiresAt: rowDate(row.expires_at),
  createdAt: rowDate(row.created_at),
  updatedAt: rowDate(row.updated_at),
});

interface LineRow {
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price_amount: number;
  currency: string;
}

const lineFromRow = (row: LineRow): OrderLine => ({
  orderId: row.order_id,
  lineNo: row.line_no,
  productId: row.product_id,
  quantity: row.quantity,
  unitPriceAmount: row.unit_price_amount,
  currency: row.currency,
});

async function selectOrders(em: EntityManager, sql: string, params: unknown[]): Promise<Order[]> {
  const rows = await queryRows<OrderRow>(em, `SELECT ${ORDER_COLUMNS} FROM orders ${sql}`, params);
  return rows.map(orderFromRow);
}

/**
 * An UPDATE of `orders o` (`sql`: its SET, FROM and WHERE) that answers the
 * rows it changed, as they are after it. Relations in its FROM must not name
 * columns as orders does.
 */
export async function updateOrders(
  em: EntityManager,
  sql: string,
  params: unknown[],
): Promise<Order[]> {
  const rows = await queryRows<OrderRow>(
    em,
    `UPDATE orders o ${sql} RETURNING ${ORDER_COLUMNS}`,
    params,
  );
  return rows.map(orderFromRow);
}

/** Orders by id, in no particular order; malformed ids match nothing. */
export async function findOrders(em: EntityManager, ids: readonly string[]): Promise<Order[]> {
  const rows = await queryRowsByIds<OrderRow>(
    em,
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE id IN (?)`,
    ids,
  );
  return rows.map(orderFromRow);
}

/**
 * One order as the database has it now, on the caller's transaction. With
 * `lock` the row stays locked until that transaction ends; `skipLocked`
 * answers null for a row someone else holds.
 */
export async function readOrder(
  em: EntityManager,
  id: string,
  lock: 'none' | 'lock' | 'skipLocked' = 'none',
): Promise<Order | null> {
  const locking = { none: '', lock: 'FOR UPDATE', skipLocked: 'FOR UPDATE SKIP LOCKED' }[lock];
  const [order] = await selectOrders(em, `WHERE id = ? ${locking}`, [id]);
  return order ?? null;
}

/** The customer's order placed under this idempotency key, if any. */
export async function findOrderByKey(
  em: EntityManager,
  customerId: string,
  idempotencyKey: string,
): Promise<Order | null> {
  const [order] = await selectOrders(em, 'WHERE customer_id = ? AND idempotency_key = ?', [
    customerId,
    idempotencyKey,
  ]);
  return order ?? null;
}

/**
 * Orders waiting for stock or payment past `now`, oldest deadline first,
 * locked; rows another transaction holds are stepped over.
 */
export function lockDueOrders(em: EntityManager, now: Date, limit: number): Promise<Order[]> {
  return selectOrders(
    em,
    `WHERE status IN ('PENDING', 'AWAITING_PAYMENT') AND expires_at <= ?
      ORDER BY expires_at ASC LIMIT ? FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
}

/** The lines of these orders, each order's in the customer's order. */
export async function findLines(
  em: EntityManager,
  orderIds: readonly string[],
): Promise<OrderLine[]> {
  const rows = await queryRowsByIds<LineRow>(
    em,
    `SELECT order_id, line_no, product_id, quantity, unit_price_amount, currency
       FROM order_lines WHERE order_id IN (?) ORDER BY order_id, line_no`,
    orderIds,
  );
  return rows.map(lineFromRow);
}

export interface OrderFilter {
  customerId?: string;
  status?: OrderStatus;
}

/** Where a keyset page starts: strictly after this (createdAt, id), newest first. */
export interface PageStart {
  createdAt: Date;
  id: string;
}

function whereOf(filter: OrderFilter): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (filter.customerId !== undefined) {
    sql.push('customer_id = ?');
    params.push(filter.customerId);
  }
  if (filter.status !== undefined) {
    sql.push('status = ?');
    params.push(filter.status);
  }
  return { sql, params };
}

const clause = (conditions: string[]) =>
  conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';

/**
 * Up to `limit` orders matching the filter, newest first (createdAt, then id,
 * both descending), after `start`: one range scan of the matching index.
 */
export function pageOrders(
  em: EntityManager,
  filter: OrderFilter,
  limit: number,
  start: PageStart | null,
): Promise<Order[]> {
  const { sql, params } = whereOf(filter);
  if (start) {
    sql.push('(created_at, id) < (?, ?)');
    params.push(start.createdAt, start.id);
  }
  return selectOrders(em, `${clause(sql)} ORDER BY created_at DESC, id DESC LIMIT ?`, [
    ...params,
    limit,
  ]);
}

export async function countOrders(em: EntityManager, filter: OrderFilter): Promise<number> {
  const { sql, params } = whereOf(filter);
  const [row] = await queryRows<{ count: number }>(
    em,
    `SELECT count(*)::int AS count FROM orders ${clause(sql)}`,
    params,
  );
  return row?.count ?? 0;
}
