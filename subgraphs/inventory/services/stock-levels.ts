import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRowsByIds } from '../../../platform/events/sql.js';
import type { InventoryLevel } from '../entities.js';

/** A product's counters as read from `stock_items`. */
export interface StockLevel {
  productId: string;
  onHand: number;
  reserved: number;
  version: number;
}

/** The row shape `RETURNING product_id, on_hand, reserved, version` gives. */
export interface StockRow {
  product_id: string;
  on_hand: number;
  reserved: number;
  version: number;
}

export const fromRow = (row: StockRow): StockLevel => ({
  productId: row.product_id,
  onHand: row.on_hand,
  reserved: row.reserved,
  version: row.version,
});

/**
 * What clients see. A product the warehouse never heard of has nothing on
 * hand, which is the truth for a shop; `available` is clamped at zero even
 * though the table's CHECK already keeps reserved within onHand.
 */
export function inventoryLevel(stock: StockLevel | null): InventoryLevel {
  const onHand = stock?.onHand ?? 0;
  const reserved = stock?.reserved ?? 0;
  const available = Math.max(0, onHand - reserved);
  return { onHand, reserved, available, inStock: available > 0 };
}

/**
 * Current levels for many products in one query, as plain SQL: a product
 * page asks for this on every view, and the ORM's find (criteria, metadata,
 * hydration into entities, an identity map) cost several times the query
 * itself. Nothing is cached: writes here are plain SQL too, so every read
 * sees the row as it is now. On the caller's transaction when it has one.
 */
export async function findStockLevels(
  em: EntityManager,
  productIds: readonly string[],
): Promise<StockLevel[]> {
  const rows = await queryRowsByIds<StockRow>(
    em,
    'SELECT product_id, on_hand, reserved, version FROM stock_items WHERE product_id IN (?)',
    productIds,
  );
  return rows.map(fromRow);
}

export async function findStockLevel(
  em: EntityManager,
  productId: string,
): Promise<StockLevel | null> {
  const [level] = await findStockLevels(em, [productId]);
  return level ?? null;
}
