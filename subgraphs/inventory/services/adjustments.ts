import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, type UserError } from '../../../platform/errors.js';
import { isUuid } from '../../../platform/ids.js';
import { recordEvent } from '../../../platform/events/index.js';
import { queryRows, queryRowsByIds } from '../../../platform/events/sql.js';
import {
  DEFAULT_PROJECTION_WAIT,
  readProjection,
  type ProjectionWait,
} from '../../../platform/projection-wait.js';
import type { RequestContext } from '../../../platform/subgraph.js';
import { findStockLevel, fromRow, type StockLevel, type StockRow } from './stock-levels.js';

/** Largest single booking; anything bigger is a typo, not a delivery. */
export const MAX_DELTA = 1_000_000;
/** Keeps `on_hand` far from the int4 limit however many bookings add up. */
export const MAX_ON_HAND = 1_000_000_000;

const deltaSchema = z
  .number()
  .int('delta must be a whole number')
  .min(-MAX_DELTA, `delta must be at least -${MAX_DELTA}`)
  .max(MAX_DELTA, `delta must be at most ${MAX_DELTA}`)
  .refine((d) => d !== 0, 'delta must not be 0');

export interface AdjustStockInput {
  productId: string;
  delta: number;
}

const notFound = () => new DomainError('NOT_FOUND', 'No product with this id', ['productId']);

/** Back-office stock bookings: `onHand += delta`, never below what orders hold. */
export class StockAdjustmentService {
  /**
   * How long to wait for a product the catalogue has just created (decision
   * 6): the product subgraph announces it with product.created, which reaches
   * this service through the outbox and Kafka a moment later. Known products
   * never wait; unknown ones answer NOT_FOUND after the wait.
   */
  constructor(private readonly unknownProductWait: ProjectionWait = DEFAULT_PROJECTION_WAIT) {}

  /** Applies the booking and records `inventory.adjusted` in the same transaction. */
  async adjust(ctx: RequestContext, input: AdjustStockInput): Promise<StockLevel> {
    const errors: UserError[] = [];
    const delta = deltaSchema.safeParse(input.delta);
    if (!delta.success) {
      errors.push(
        ...delta.error.issues.map((issue) => ({
          code: 'VALIDATION' as const,
          field: ['delta'],
          message: issue.message,
        })),
      );
    }
    // A malformed id names nothing: the same answer as an unknown one.
    if (!isUuid(input.productId)) errors.push(...notFound().errors);
    if (errors.length) throw new DomainError(errors);

    const productId = input.productId.toLowerCase();
    if (!(await this.awaitKnownProduct(ctx.em, productId))) throw notFound();

    return ctx.em.transactional(async (em) => {
      // One conditional UPDATE: the row lock it takes makes the check and the
      // change atomic against concurrent reservations and bookings.
      const [row] = await queryRows<StockRow>(
        em,
        `UPDATE stock_items
            SET on_hand = on_hand + ?, version = version + 1, updated_at = now()
          WHERE product_id = ? AND on_hand + ? >= reserved AND on_hand + ? <= ?
          RETURNING product_id, on_hand, reserved, version`,
        [input.delta, productId, input.delta, input.delta, MAX_ON_HAND],
      );
      if (!row) throw refusal(await findStockLevel(em, productId), input.delta);
      const level = fromRow(row);
      await recordEvent(em, {
        type: 'inventory.adjusted',
        aggregateId: productId,
        aggregateVersion: level.version,
        data: { productId, onHand: level.onHand, reserved: level.reserved },
      });
      return level;
    });
  }

  /** Whether the product has a stock row, waiting a bounded time for a new one. */
  private async awaitKnownProduct(em: EntityManager, productId: string): Promise<boolean> {
    const known = await readProjection(
      [productId],
      async (ids) => {
        const rows = await queryRowsByIds<{ product_id: string }>(
          em,
          'SELECT product_id FROM stock_items WHERE product_id IN (?)',
          ids,
        );
        return new Map(rows.map((row) => [row.product_id, true]));
      },
      this.unknownProductWait,
    );
    return known.has(productId);
  }
}

/** Says why the conditional UPDATE matched no row. */
function refusal(current: StockLevel | null, delta: number): DomainError {
  // Rows are never deleted, so this is only reachable if one were removed by hand.
  if (!current) return notFound();
  const next = current.onHand + delta;
  if (next < 0) {
    return new DomainError(
      'VALIDATION',
      `onHand would become ${next}; it cannot go below 0 (onHand is ${current.onHand})`,
      ['delta'],
    );
  }
  if (next < current.reserved) {
    return new DomainError(
      'VALIDATION',
      `onHand would become ${next}, below the ${current.reserved} units reserved for open orders`,
      ['delta'],
    );
  }
  if (next > MAX_ON_HAND) {
    return new DomainError('VALIDATION', `onHand cannot exceed ${MAX_ON_HAND}`, ['delta']);
  }
  // The row changed between the UPDATE and this read; the booking may fit now, so let the caller retry.
  return new DomainError('INVALID_STATE', 'Stock changed concurrently; try again', ['delta']);
}
