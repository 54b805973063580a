import { GraphQLError } from 'graphql';
import { mutationPayload } from '../../platform/validation.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { Order } from './entities.js';
import type { OrderContext } from './context.js';
import { assertCanSee } from './services/order-queries.js';

const money = (amount: number, currency: string) => ({ amount, currency });

/**
 * Subscriptions run in the gateway (graphql-ws fed by the order events); the
 * types live here so they compose into the supergraph. Apollo Server would
 * execute a subscription sent here over HTTP like a query, so the field
 * resolvers answer that with a clear error instead of a null.
 */
const servedByGateway = (): never => {
  throw new GraphQLError(
    'Subscriptions are served by the gateway over WebSocket (graphql-transport-ws), not by the order subgraph',
    { extensions: { code: 'BAD_REQUEST' } },
  );
};

export const resolvers: Resolvers = {
  Query: {
    order: (_root, { id }, ctx) => ctx.queries.order(ctx, ctx.loaders.orderById, id),
    orders: (_root, { first, after, filter }, ctx) =>
      ctx.queries.allOrders(ctx, { first, after }, filter),
  },
  Mutation: {
    placeOrder: (_root, { input }, ctx) =>
      mutationPayload('order', () => ctx.placing.place(ctx, input)),
    cancelOrder: (_root, { id }, ctx) =>
      mutationPayload('order', () => ctx.commands.cancel(ctx, id)),
    shipOrder: (_root, { id }, ctx) => mutationPayload('order', () => ctx.commands.ship(ctx, id)),
    deliverOrder: (_root, { id }, ctx) =>
      mutationPayload('order', () => ctx.commands.deliver(ctx, id)),
  },
  Subscription: {
    orderUpdated: { subscribe: servedByGateway, resolve: servedByGateway },
    myOrderUpdates: { subscribe: servedByGateway, resolve: servedByGateway },
  },
  Order: {
    // Reached through the gateway (e.g. from a payment): the same visibility as Query.order.
    __resolveReference: async (ref, ctx) => {
      const order = await ctx.loaders.orderById.load(ref.id);
      if (order) assertCanSee(ctx, order);
      return order;
    },
    total: (order) => money(order.totalAmount, order.currency),
    items: (order, _args, ctx) => ctx.loaders.linesByOrderId.load(order.id),
    shippingAddress: (order: Order) => ({
      line1: order.shippingLine1,
      city: order.shippingCity,
      postalCode: order.shippingPostalCode,
      country: order.shippingCountry,
    }),
    customer: (order) => ({ id: order.customerId }),
  },
  OrderItem: {
    unitPrice: (line) => money(line.unitPriceAmount, line.currency),
    lineTotal: (line) => money(line.unitPriceAmount * line.quantity, line.currency),
    product: (line) => ({ id: line.productId }),
  },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    orders: (user, { first, after }, ctx: OrderContext) =>
      ctx.queries.customerOrders(ctx, user.id, { first, after }),
  },
};
