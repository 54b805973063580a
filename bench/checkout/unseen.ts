import type { ServiceDatabases } from './db.js';

/**
 * For orders whose final state never reached the subscriber: what the order
 * service's own table says about them, by status. CONFIRMED or CANCELLED
 * there means the saga finished and the subscription missed it; PENDING or
 * AWAITING_PAYMENT means the saga itself is behind (or stuck).
 */
export async function statusesOf(
  db: ServiceDatabases,
  orderIds: readonly string[],
): Promise<Record<string, number>> {
  if (orderIds.length === 0) return {};
  const rows = await db.query<{ status: string; count: string }>(
    'order',
    'SELECT status, count(*) AS count FROM orders WHERE id = ANY($1::uuid[]) GROUP BY status',
    [orderIds],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
}
