import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  GraphQLError,
  type GraphQLFieldConfig,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { isUuid } from '../../platform/ids.js';
import type { Identity } from '../../platform/identity.js';
import { orderQueryFor } from './order-query.js';
import { OrderStream } from './order-stream.js';
import type { OrderFeed } from './order-feed.js';

/**
 * The public API schema (schema/api.graphql, composed from the subgraphs, so
 * the subscription fields are the order subgraph's own declaration) with the
 * gateway's implementation of its two subscription fields attached. It
 * validates subscription documents; the selection itself is resolved through
 * the supergraph, never by this schema.
 */

export const API_SCHEMA_FILE = fileURLToPath(new URL('../../schema/api.graphql', import.meta.url));

/** What a subscription's field handlers get from its connection. */
export interface SubscriptionContext {
  identity: Identity;
  /** Epoch ms: the stream ends with UNAUTHENTICATED when the token expires. */
  expiresAt: number;
}

export interface SubscriptionHooks {
  feed: OrderFeed;
  /** A stream opened; the returned function is called once when it closes. */
  opened: () => () => void;
}

type SubscribeFn = NonNullable<GraphQLFieldConfig<unknown, SubscriptionContext>['subscribe']>;

function responseKey(info: GraphQLResolveInfo): string {
  return info.path.key.toString();
}

/**
 * A stream registered with the feed (so no change is missed from here on).
 * `live()` counts it as open once it is established: the gauge then means
 * "ready to stream", which is what a client or a test waiting on it needs.
 */
function openStream(
  hooks: SubscriptionHooks,
  info: GraphQLResolveInfo,
  context: SubscriptionContext,
  follow: { orderId: string; afterVersion: number | null } | { customerId: string },
): { stream: OrderStream; live: () => void } {
  let closed: (() => void) | null = null;
  let remove = () => {};
  const stream = new OrderStream({
    orderId: 'orderId' in follow ? follow.orderId : null,
    customerId: 'customerId' in follow ? follow.customerId : null,
    afterVersion: 'orderId' in follow ? follow.afterVersion : null,
    completeOnFinal: 'orderId' in follow,
    query: orderQueryFor(info, context.identity),
    responseKey: responseKey(info),
    expiresAt: context.expiresAt,
    onClose: () => {
      remove();
      closed?.();
    },
  });
  remove = hooks.feed.add(stream);
  return {
    stream,
    live: () => {
      if (!stream.isClosed && !closed) closed = hooks.opened();
    },
  };
}

function orderUpdated(hooks: SubscriptionHooks): SubscribeFn {
  return async (_root, args: { orderId: string; afterVersion?: number | null }, context, info) => {
    const orderId = args.orderId.toLowerCase();
    if (!isUuid(orderId)) {
      throw new GraphQLError('No order with this id', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    // Registered before the current state is read, so no change can fall between the two.
    const { stream, live } = openStream(hooks, info, context, {
      orderId,
      afterVersion: args.afterVersion ?? null,
    });
    try {
      await hooks.feed.refresh(orderId, stream.query);
    } catch (err) {
      await stream.return();
      throw err;
    }
    const refusal = stream.goLive();
    if (refusal) throw refusal;
    live();
    return stream;
  };
}

function myOrderUpdates(hooks: SubscriptionHooks): SubscribeFn {
  return async (_root, _args, context, info) => {
    const { stream, live } = openStream(hooks, info, context, {
      customerId: context.identity.userId,
    });
    // Planned before it counts as open, so an order placed from then on is
    // resolved fast enough to show its first state (PENDING) in most cases.
    await hooks.feed.warm(stream.query);
    stream.goLive();
    live();
    return stream;
  };
}

export function buildSubscriptionSchema(
  hooks: SubscriptionHooks,
  sdl = readFileSync(API_SCHEMA_FILE, 'utf8'),
): GraphQLSchema {
  const schema = buildSchema(sdl);
  const fields = schema.getSubscriptionType()?.getFields();
  const updated = fields?.orderUpdated;
  const mine = fields?.myOrderUpdates;
  if (!updated || !mine) {
    throw new Error('schema/api.graphql lacks Subscription.orderUpdated / myOrderUpdates');
  }
  updated.subscribe = orderUpdated(hooks);
  mine.subscribe = myOrderUpdates(hooks);
  return schema;
}
