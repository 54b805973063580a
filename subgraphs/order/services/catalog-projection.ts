import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../../platform/events/contracts.js';
import { executeSql, queryRowsByIds, rowDate } from '../../../platform/events/sql.js';
import type { CatalogProduct } from '../entities.js';

type ProductEvent = EventEnvelope<'product.created' | 'product.updated' | 'product.archived'>;

/**
 * Applies a product snapshot to the projection. Every product event carries
 * the whole snapshot, so applying is an upsert; the version guard in the
 * statement itself drops a stale or replayed snapshot (events of one product
 * arrive in order, but redelivery and rebalancing can repeat older ones).
 * Returns whether the row changed.
 */
export async function applyProductEvent(em: EntityManager, event: ProductEvent): Promise<boolean> {
  const { data } = event;
  // An archive event means "no longer orderable", whatever flag its snapshot carries.
  const active = event.type !== 'product.archived' && data.active;
  const changed = await executeSql(
    em,
    `INSERT INTO catalog_products
         (product_id, sku, name, price_amount, price_currency, active, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, now())
       ON CONFLICT (product_id) DO UPDATE SET
         sku = EXCLUDED.sku,
         name = EXCLUDED.name,
         price_amount = EXCLUDED.price_amount,
         price_currency = EXCLUDED.price_currency,
         active = EXCLUDED.active,
         version = EXCLUDED.version,
         updated_at = now()
       WHERE catalog_products.version < EXCLUDED.version`,
    [
      data.productId,
      data.sku,
      data.name,
      data.price.amount,
      data.price.currency,
      active,
      event.aggregateVersion,
    ],
  );
  return changed > 0;
}

/** Handlers for `createConsumer`: the projection's whole feed. */
export const catalogHandlers = {
  'product.created': async (event: EventEnvelope<'product.created'>, em: EntityManager) => {
    await applyProductEvent(em, event);
  },
  'product.updated': async (event: EventEnvelope<'product.updated'>, em: EntityManager) => {
    await applyProductEvent(em, event);
  },
  'product.archived': async (event: EventEnvelope<'product.archived'>, em: EntityManager) => {
    await applyProductEvent(em, event);
  },
};

export interface CatalogWait {
  /** How long to keep re-reading for ids the projection does not know yet. */
  maxWaitMs: number;
  pollMs: number;
}

export const DEFAULT_CATALOG_WAIT: CatalogWait = { maxWaitMs: 1_500, pollMs: 100 };

/**
 * The projection's rows for these products, by id.
 *
 * Read-your-writes bridge (docs/decisions/0006): a product an admin created a
 * moment ago reaches this projection through the outbox, Kafka and our
 * consumer, typically within tens of milliseconds. An id the projection does
 * not know yet is therefore re-read for a short, bounded time before it counts
 * as unknown. Known ids (archived ones included) never wait, and there is
 * never a synchronous call to the product subgraph.
 */
async function findCatalogProducts(
  em: EntityManager,
  productIds: readonly string[],
): Promise<CatalogProduct[]> {
  const rows = await queryRowsByIds<CatalogRow>(
    em,
    `SELECT product_id, sku, name, price_amount, price_currency, active, version, updated_at
       FROM catalog_products WHERE product_id IN (?)`,
    productIds,
  );
  return rows.map((row) => ({
    productId: row.product_id,
    sku: row.sku,
    name: row.name,
    priceAmount: row.price_amount,
    priceCurrency: row.price_currency,
    active: row.active,
    version: row.version,
    updatedAt: rowDate(row.updated_at),
  }));
}

interface CatalogRow {
  product_id: string;
  sku: string;
  name: string;
  price_amount: number;
  price_currency: string;
  active: boolean;
  version: number;
  updated_at: string | Date;
}

export async function readCatalog(
  em: EntityManager,
  productIds: readonly string[],
  wait: CatalogWait = DEFAULT_CATALOG_WAIT,
): Promise<Map<string, CatalogProduct>> {
  const found = new Map<string, CatalogProduct>();
  const deadline = Date.now() + wait.maxWaitMs;
  let missing = [...new Set(productIds)];
  for (;;) {
    // Plain SQL, like the writes above: every poll sees the database as it is.
    for (const product of await findCatalogProducts(em, missing)) {
      found.set(product.productId, product);
    }
    missing = missing.filter((id) => !found.has(id));
    if (missing.length === 0 || Date.now() + wait.pollMs > deadline) return found;
    await sleep(wait.pollMs);
  }
}
