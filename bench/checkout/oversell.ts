import { ProductDetailDocument } from '../../client/__generated__/graphql.js';
import type { GatewayClient } from './client.js';
import type { ServiceDatabases } from './db.js';
import type { BenchProduct } from './fixtures.js';

/**
 * The end-of-run invariant: nothing was sold that was not there. For every
 * product the benchmark created, read from the inventory's and the order's
 * own tables after every order finished, and from the public API:
 *
 * - units committed (paid) + units still reserved ≤ the stock it was given;
 * - available (on hand − reserved) ≥ 0, in the table and through the API;
 * - units on CONFIRMED order lines ≤ the stock it was given;
 * - on hand = initial − committed (no unit appeared or vanished).
 */

export interface OversellReport {
  products: number;
  /** Limited products that ran out (their later orders were refused): the check had teeth. */
  exhausted: number;
  violations: string[];
}

export async function checkOversell(
  db: ServiceDatabases,
  client: GatewayClient,
  products: readonly BenchProduct[],
): Promise<OversellReport> {
  const ids = products.map((p) => p.id);
  const [stock, settled, confirmed] = await Promise.all([
    db.query<{ product_id: string; on_hand: number; reserved: number }>(
      'inventory',
      'SELECT product_id::text, on_hand, reserved FROM stock_items WHERE product_id = ANY($1::uuid[])',
      [ids],
    ),
    db.query<{ product_id: string; status: string; units: string }>(
      'inventory',
      `SELECT l.product_id::text, r.status, sum(l.quantity) AS units
         FROM reservation_lines l JOIN reservations r USING (order_id)
        WHERE l.product_id = ANY($1::uuid[]) GROUP BY 1, 2`,
      [ids],
    ),
    db.query<{ product_id: string; units: string }>(
      'order',
      `SELECT l.product_id::text, sum(l.quantity) AS units
         FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE o.status = 'CONFIRMED' AND l.product_id = ANY($1::uuid[]) GROUP BY 1`,
      [ids],
    ),
  ]);
  const stockOf = new Map(stock.map((r) => [r.product_id, r]));
  const units = (status: string, id: string) =>
    Number(settled.find((r) => r.product_id === id && r.status === status)?.units ?? 0);
  const confirmedOf = new Map(confirmed.map((r) => [r.product_id, Number(r.units)]));

  const violations: string[] = [];
  let exhausted = 0;
  for (const product of products) {
    const row = stockOf.get(product.id);
    if (!row) {
      violations.push(`${product.id}: no stock row`);
      continue;
    }
    const committed = units('COMMITTED', product.id);
    const reserved = units('RESERVED', product.id);
    const sold = confirmedOf.get(product.id) ?? 0;
    const say = (what: string) =>
      violations.push(`${product.id} (initial ${product.initialStock}): ${what}`);
    if (committed + reserved > product.initialStock) {
      say(`committed ${committed} + reserved ${reserved} exceed the stock`);
    }
    if (row.on_hand - row.reserved < 0) say(`available ${row.on_hand - row.reserved} < 0`);
    if (row.reserved !== reserved)
      say(`stock says ${row.reserved} reserved, reservations ${reserved}`);
    if (sold > product.initialStock) say(`${sold} units on CONFIRMED orders`);
    if (row.on_hand !== product.initialStock - committed) {
      say(`on hand ${row.on_hand} ≠ initial − committed ${product.initialStock - committed}`);
    }
    if (product.limited && row.on_hand - row.reserved < 3) exhausted += 1;
  }

  // The public view agrees: no product shows negative availability.
  for (const product of products.filter((p) => p.limited)) {
    const data = await client.must(ProductDetailDocument, { id: product.id });
    const available = data.product?.inventory?.available;
    if (typeof available !== 'number' || available < 0) {
      violations.push(`${product.id}: the API shows available ${String(available)}`);
    }
  }
  return { products: products.length, exhausted, violations };
}
