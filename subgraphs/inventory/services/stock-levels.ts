import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../../platform/ids.js';
import { StockItemSchema, type InventoryLevel } from '../entities.js';

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
 * Current levels for many products in one query. Bypasses the identity map:
 * writes here are plain SQL, so a cached entity could be stale.
 */
export async function findStockLevels(
  em: EntityManager,
  productIds: readonly string[],
): Promise<StockLevel[]> {
  const ids = productIds.filter(isUuid);
  if (ids.length === 0) return [];
  const items = await em.find(
    StockItemSchema,
    { productId: { $in: ids } },
    { disableIdentityMap: true },
  );
  return items.map(({ productId, onHand, reserved, version }) => ({
    productId,
    onHand,
    reserved,
    version,
  }));
}

export async function findStockLevel(
  em: EntityManager,
  productId: string,
): Promise<StockLevel | null> {
  const [level] = await findStockLevels(em, [productId]);
  return level ?? null;
}
