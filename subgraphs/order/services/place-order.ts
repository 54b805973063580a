import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { DomainError, unauthenticated } from '../../../platform/errors.js';
import { isUuid, uuidv7 } from '../../../platform/ids.js';
import type { RequestContext } from '../../../platform/subgraph.js';
import { OrderLineSchema, OrderSchema, type Order, type OrderLine } from '../entities.js';
import { DEFAULT_PROJECTION_WAIT, type ProjectionWait } from '../../../platform/projection-wait.js';
import { readCatalog } from './catalog-projection.js';
import { parsePlaceOrderInput, requestFingerprint, type PlaceOrderRequest } from './order-input.js';
import { recordLifecycleEvent } from './order-events.js';
import { findOrderByKey } from './order-rows.js';
import { priceOrder, type PricedOrder } from './pricing.js';
import type { OrderAdmission } from './admission/order-admission.js';

export interface PlaceOrderSettings {
  /** How long an order may wait for stock and payment before it expires. */
  orderTtlMs: number;
  catalogWait?: ProjectionWait;
  /** Refuses new orders while the saga is behind; without it every order is admitted. */
  admission?: OrderAdmission;
}

/** Inside an admission slot the catalogue is read once, without waiting. */
const NO_WAIT: ProjectionWait = { ...DEFAULT_PROJECTION_WAIT, recentIdMs: 0, otherIdMs: 0 };

/** Products of the order the projection does not know (yet): wait outside the slot, then again. */
class ProductsNotYetKnown extends Error {
  override name = 'ProductsNotYetKnown';
}

/**
 * placeOrder: validates, prices from the catalogue projection, and writes the
 * order, its lines and `order.placed` in one transaction. The same customer
 * and idempotency key always yield the same order.
 */
export class PlaceOrderService {
  constructor(private readonly settings: PlaceOrderSettings) {}

  async place(ctx: RequestContext, rawInput: unknown): Promise<Order> {
    const customerId = ctx.identity?.userId;
    if (!customerId || !isUuid(customerId)) throw unauthenticated('Sign in to place an order');
    const request = parsePlaceOrderInput(rawInput);
    try {
      return await this.admit(ctx, customerId, request, true);
    } catch (err) {
      if (!(err instanceof ProductsNotYetKnown)) throw err;
    }
    // A product created a moment ago may still be on its way to the
    // projection (decision 6). Waiting for it in an admission slot would let
    // requests naming ids that never arrive hold the slots for the whole wait.
    const productIds = request.items.map((i) => i.productId);
    await readCatalog(ctx.em, productIds, this.settings.catalogWait);
    return this.admit(ctx, customerId, request, false);
  }

  /** After the checks that cost nothing, before the first read: a refused order changed nothing. */
  private admit(
    ctx: RequestContext,
    customerId: string,
    request: PlaceOrderRequest,
    firstTry: boolean,
  ): Promise<Order> {
    const { admission } = this.settings;
    const place = () => this.admitted(ctx, customerId, request, firstTry);
    return admission ? admission.run(place) : place();
  }

  private async admitted(
    ctx: RequestContext,
    customerId: string,
    request: PlaceOrderRequest,
    firstTry: boolean,
  ): Promise<Order> {
    const fingerprint = requestFingerprint(request);

    // A retry is the rare case: the unique index on (customer, key) tells it
    // apart without a lookup on every order. It must still be answered with
    // its order even if prices or availability changed since.
    let priced: PricedOrder;
    try {
      const productIds = request.items.map((i) => i.productId);
      const catalog = await readCatalog(ctx.em, productIds, NO_WAIT);
      if (firstTry && productIds.some((id) => !catalog.has(id))) throw new ProductsNotYetKnown();
      priced = priceOrder(request.items, catalog);
    } catch (err) {
      if (err instanceof ProductsNotYetKnown) throw err;
      const earlier = await findOrderByKey(ctx.em, customerId, request.idempotencyKey);
      if (earlier) return sameRequestOrRefuse(earlier, fingerprint);
      throw err;
    }

    try {
      const order = await ctx.em.transactional((em) =>
        this.insert(em, customerId, request, fingerprint, priced),
      );
      ctx.logger.info({ orderId: order.id, total: order.totalAmount }, 'order placed');
      return order;
    } catch (err) {
      // An earlier or concurrent request with the same key holds the unique index: answer with its order.
      if (err instanceof UniqueConstraintViolationException) {
        const winner = await findOrderByKey(ctx.em, customerId, request.idempotencyKey);
        if (winner) return sameRequestOrRefuse(winner, fingerprint);
      }
      throw err;
    }
  }

  private async insert(
    em: EntityManager,
    customerId: string,
    request: PlaceOrderRequest,
    fingerprint: string,
    priced: PricedOrder,
  ): Promise<Order> {
    const now = new Date();
    const address = request.shippingAddress;
    const order: Order = {
      id: uuidv7(now.getTime()),
      customerId,
      status: 'PENDING',
      statusReason: null,
      version: 1,
      totalAmount: priced.totalAmount,
      currency: priced.currency,
      shippingLine1: address.line1,
      shippingCity: address.city,
      shippingPostalCode: address.postalCode,
      shippingCountry: address.country,
      paymentMethod: request.paymentMethod,
      idempotencyKey: request.idempotencyKey,
      requestFingerprint: fingerprint,
      expiresAt: new Date(now.getTime() + this.settings.orderTtlMs),
      createdAt: now,
      updatedAt: now,
    };
    const lines: OrderLine[] = priced.lines.map((line, lineNo) => ({
      orderId: order.id,
      lineNo,
      ...line,
    }));
    await em.insert(OrderSchema, order);
    await em.insertMany(OrderLineSchema, lines);
    await recordLifecycleEvent(em, order, lines);
    return order;
  }
}

function sameRequestOrRefuse(order: Order, fingerprint: string): Order {
  if (order.requestFingerprint !== fingerprint) {
    throw new DomainError(
      'VALIDATION',
      'This idempotency key was already used for a different order',
      ['idempotencyKey'],
    );
  }
  return order;
}
