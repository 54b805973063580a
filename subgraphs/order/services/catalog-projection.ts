import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../../platform/events/contracts.js';
import { executeSql, queryRowsByIds, rowDate } from '../../../platform/events/sql.js';
import {
  DEFAULT_PROJECTION_WAIT,
  readProjection,
  type ProjectionWait,
} from '../../../platform/projection-wait.js';
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

/** The projection's rows for these products, by id. */
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

/**
 * The projection's rows for these products, by id, waiting a bounded time
 * for ids it does not know yet (a product created a moment ago: decision 6).
 * Known ids (archived ones included) never wait, and there is never a
 * synchronous call to the product subgraph.
 */
export function readCatalog(
  em: EntityManager,
  productIds: readonly string[],
  wait: ProjectionWait = DEFAULT_PROJECTION_WAIT,
): Promise<Map<string, CatalogProduct>> {
  // Plain SQL, like the writes above: every poll sees the database as it is.
  return readProjection(
    productIds,
    async (ids) => new Map((await findCatalogProducts(em, ids)).map((p) => [p.productId, p])),
    wait,
  );
}
