import { DomainError, forbidden, unauthenticated } from '../../../platform/errors.js';
import { isAdmin } from '../../../platform/identity.js';
import { isUuid } from '../../../platform/ids.js';
import type { RequestContext } from '../../../platform/subgraph.js';
import type { Order } from '../entities.js';
import type { OrderEvent } from './order-state-machine.js';
import { applyTransition } from './order-transitions.js';
import { readOrder } from './order-rows.js';

/** How often a command re-reads and re-decides after losing a compare-and-set race. */
const MAX_ATTEMPTS = 3;

const notFound = () => new DomainError('NOT_FOUND', 'No such order', ['id']);

/**
 * The lifecycle commands people send: a customer cancelling their order, the
 * back office shipping and delivering. Each is one transition of the table.
 */
export class OrderCommandService {
  /** The customer (or an admin) cancels; allowed until the order ships. */
  async cancel(ctx: RequestContext, id: string): Promise<Order> {
    const identity = ctx.identity;
    if (!identity) throw unauthenticated();
    return this.change(ctx, id, 'customerCancelled', (order) => {
      if (order.customerId !== identity.userId && !isAdmin(identity)) {
        throw forbidden('Only the customer and admins can cancel this order');
      }
    });
  }

  /** The back office hands a confirmed order to the carrier. */
  async ship(ctx: RequestContext, id: string): Promise<Order> {
    requireAdmin(ctx);
    return this.change(ctx, id, 'shipped');
  }

  /** The back office records that a shipped order arrived. */
  async deliver(ctx: RequestContext, id: string): Promise<Order> {
    requireAdmin(ctx);
    return this.change(ctx, id, 'delivered');
  }

  /**
   * Reads the order, checks the caller may touch it, and applies the event;
   * a refused transition is INVALID_STATE with nothing changed. Losing a race
   * (the saga moved the order between our read and write) means deciding
   * again on the new state, which may still allow the change.
   */
  private async change(
    ctx: RequestContext,
    id: string,
    event: OrderEvent,
    authorize: (order: Order) => void = () => undefined,
  ): Promise<Order> {
    if (!isUuid(id)) throw notFound();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const outcome = await ctx.em.transactional(async (em) => {
        const order = await readOrder(em, id.toLowerCase());
        if (!order) throw notFound();
        authorize(order);
        return applyTransition(em, order, event);
      });
      if (outcome.kind === 'applied') {
        ctx.logger.info(
          { orderId: outcome.order.id, event, status: outcome.order.status },
          'order changed',
        );
        return outcome.order;
      }
      if (outcome.kind === 'refused') {
        throw new DomainError('INVALID_STATE', outcome.refusal);
      }
    }
    throw new DomainError('INVALID_STATE', 'The order is changing right now; try again');
  }
}

function requireAdmin(ctx: RequestContext): void {
  if (!ctx.identity) throw unauthenticated();
  if (!isAdmin(ctx.identity)) throw forbidden('Only admins can do this');
}
