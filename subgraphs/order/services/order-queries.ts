import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, forbidden, unauthenticated } from '../../../platform/errors.js';
import { isAdmin } from '../../../platform/identity.js';
import { isUuid } from '../../../platform/ids.js';
import {
  decodeCursor,
  encodeCursor,
  pageSize,
  toConnection,
  type Connection,
} from '../../../platform/pagination.js';
import type { RequestContext } from '../../../platform/subgraph.js';
import type { Order, OrderStatus } from '../entities.js';
import { countOrders, pageOrders, type OrderFilter } from './order-rows.js';

/** Loads orders by id in one query per request tick (see loaders.ts). */
export interface OrderLookup {
  load(id: string): Promise<Order | null>;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface OrderListFilter {
  status?: OrderStatus | null;
  customerId?: string | null;
}

/** An order is visible to its customer and to admins; everyone else is refused outright. */
export function assertCanSee(ctx: RequestContext, order: Order): void {
  if (!ctx.identity) throw unauthenticated();
  if (order.customerId !== ctx.identity.userId && !isAdmin(ctx.identity)) {
    throw forbidden('Only the customer and admins can see this order');
  }
}

/** Reading orders: one order, a customer's orders, the back office's list. */
export class OrderQueryService {
  /** Null when unknown (a malformed id names nothing); FORBIDDEN for someone else's order. */
  async order(ctx: RequestContext, orders: OrderLookup, id: string): Promise<Order | null> {
    if (!ctx.identity) throw unauthenticated();
    if (!isUuid(id)) return null;
    const order = await orders.load(id.toLowerCase());
    if (!order) return null;
    assertCanSee(ctx, order);
    return order;
  }

  /** A customer's orders, newest first: for that customer and for admins. */
  async customerOrders(
    ctx: RequestContext,
    customerId: string,
    page: PageArgs,
  ): Promise<Connection<Order>> {
    if (!ctx.identity) throw unauthenticated();
    if (ctx.identity.userId !== customerId && !isAdmin(ctx.identity)) {
      throw forbidden("Only the user and admins can see this user's orders");
    }
    const size = pageSize(page.first, 10);
    if (!isUuid(customerId)) return toConnection([], size, 0, cursorOf);
    return listOrders(ctx.em, { customerId: customerId.toLowerCase() }, size, page.after);
  }

  /** Every customer's orders, newest first, optionally by status and customer: admins only. */
  async allOrders(
    ctx: RequestContext,
    page: PageArgs,
    filter: OrderListFilter | null | undefined,
  ): Promise<Connection<Order>> {
    if (!ctx.identity) throw unauthenticated();
    if (!isAdmin(ctx.identity)) throw forbidden('Only admins can list all orders');
    const size = pageSize(page.first, 20);
    const where: OrderFilter = {};
    if (filter?.status) where.status = filter.status;
    if (filter?.customerId) {
      // A malformed customer id names no customer: an empty list, not an error.
      if (!isUuid(filter.customerId)) return toConnection([], size, 0, cursorOf);
      where.customerId = filter.customerId.toLowerCase();
    }
    return listOrders(ctx.em, where, size, page.after);
  }
}

function cursorOf(order: Order): string {
  return encodeCursor([order.createdAt.toISOString(), order.id]);
}

/** Keyset page on (createdAt desc, id desc): each page is one range scan of an index. */
async function listOrders(
  em: EntityManager,
  where: OrderFilter,
  size: number,
  after: string | null | undefined,
): Promise<Connection<Order>> {
  const key = decodeCursor(after, ['string', 'string'] as const);
  let start = null;
  if (key) {
    const [createdAtIso, id] = key;
    const createdAt = new Date(createdAtIso);
    if (Number.isNaN(createdAt.getTime()) || !isUuid(id)) {
      throw badUserInput('after is not a valid cursor', ['after']);
    }
    start = { createdAt, id: id.toLowerCase() };
  }
  const [rows, totalCount] = await Promise.all([
    pageOrders(em, where, size + 1, start),
    countOrders(em, where),
  ]);
  return toConnection(rows, size, totalCount, cursorOf);
}
