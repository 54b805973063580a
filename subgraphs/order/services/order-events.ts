import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvents } from '../../../platform/events/index.js';
import type { EventData } from '../../../platform/events/contracts.js';
import type { Order, OrderLine, OrderStatus } from '../entities.js';

type LifecycleEventType =
  | 'order.placed'
  | 'order.awaiting_payment'
  | 'order.confirmed'
  | 'order.cancelled'
  | 'order.shipped'
  | 'order.delivered';

/** The fact an order's arrival in each status publishes; one event per version. */
export const EVENT_FOR_STATUS: Record<OrderStatus, LifecycleEventType> = {
  PENDING: 'order.placed',
  AWAITING_PAYMENT: 'order.awaiting_payment',
  CONFIRMED: 'order.confirmed',
  CANCELLED: 'order.cancelled',
  SHIPPED: 'order.shipped',
  DELIVERED: 'order.delivered',
};

function lines(orderLines: readonly OrderLine[]) {
  return orderLines.map((l) => ({
    productId: l.productId,
    quantity: l.quantity,
    unitPrice: { amount: l.unitPriceAmount, currency: l.currency },
  }));
}

/** The event payload for the order as it is now: what subscribers, inventory and payment need. */
function lifecycleData(order: Order, orderLines: readonly OrderLine[]) {
  const base = {
    orderId: order.id,
    customerId: order.customerId,
    status: order.status,
    statusReason: order.statusReason ?? null,
    version: order.version,
  };
  const total = { amount: order.totalAmount, currency: order.currency };
  switch (order.status) {
    case 'PENDING':
      return {
        type: 'order.placed',
        data: {
          ...base,
          items: lines(orderLines),
          total,
          paymentMethod: order.paymentMethod,
        } satisfies EventData<'order.placed'>,
      } as const;
    case 'AWAITING_PAYMENT':
      return {
        type: 'order.awaiting_payment',
        data: {
          ...base,
          total,
          paymentMethod: order.paymentMethod,
        } satisfies EventData<'order.awaiting_payment'>,
      } as const;
    case 'CANCELLED':
      return {
        type: 'order.cancelled',
        data: { ...base, items: lines(orderLines) } satisfies EventData<'order.cancelled'>,
      } as const;
    default:
      return { type: EVENT_FOR_STATUS[order.status], data: base } as const;
  }
}

/**
 * Records the lifecycle event of the order's current version in the caller's
 * transaction (the outbox row commits with the status change, or neither does).
 */
export async function recordLifecycleEvent(
  em: EntityManager,
  order: Order,
  orderLines: readonly OrderLine[],
): Promise<void> {
  await recordLifecycleEvents(em, [{ order, lines: orderLines }]);
}

/** `recordLifecycleEvent` for several orders in one statement, each event continuing its own trace. */
export async function recordLifecycleEvents(
  em: EntityManager,
  changes: ReadonlyArray<{ order: Order; lines: readonly OrderLine[]; traceId?: string }>,
): Promise<void> {
  await recordEvents(
    em,
    changes.map(({ order, lines, traceId }) => {
      const event = lifecycleData(order, lines);
      return {
        type: event.type,
        aggregateId: order.id,
        aggregateVersion: order.version,
        data: event.data,
        traceId,
      };
    }),
  );
}
