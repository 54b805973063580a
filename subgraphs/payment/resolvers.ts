import { forbidden, unauthenticated } from '../../platform/errors.js';
import { isAdmin } from '../../platform/identity.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { PaymentContext } from './context.js';
import type { Payment } from './entities.js';

/**
 * A payment is the order's customer's business and the back office's, no
 * one else's. The check is made here, not only by the order subgraph, because
 * `_entities` reaches this subgraph with any order or payment id.
 */
function requireVisible(ctx: PaymentContext, payment: Payment | null): Payment | null {
  if (!ctx.identity) throw unauthenticated();
  if (payment && payment.customerId !== ctx.identity.userId && !isAdmin(ctx.identity)) {
    throw forbidden("Only the order's customer and admins can see its payment");
  }
  return payment;
}

// Ids are compared in lower case, the form in which they are stored.
const key = (id: string) => id.toLowerCase();

export const resolvers: Resolvers = {
  Order: {
    __resolveReference: (ref) => ({ id: ref.id }),
    payment: async (order, _args, ctx) =>
      requireVisible(ctx, await ctx.loaders.paymentByOrderId.load(key(order.id))),
  },
  Payment: {
    __resolveReference: async (ref, ctx) =>
      requireVisible(ctx, await ctx.loaders.paymentById.load(key(ref.id))),
    amount: (payment) => ({ amount: payment.amount, currency: payment.currency }),
    order: (payment) => ({ id: payment.orderId }),
  },
};
