import type { Server as HttpServer } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayConfig } from '../../platform/config.js';
import type { HealthCheck } from '../../platform/health.js';
import type { Logger } from '../../platform/logger.js';
import type { GatewayContext } from '../context.js';
import {
  openSubscriptions,
  subscriptionResolutions,
  subscriptionResolutionSeconds,
} from './metrics.js';
import { OrderEventSource } from './order-events.js';
import { OrderFeed } from './order-feed.js';
import { gatewayOrderResolver, type ExecuteInGateway } from './order-resolver.js';
import { buildSubscriptionSchema } from './subscription-schema.js';
import { serveWebSockets } from './ws-server.js';
import type { TrustedDocuments } from '../edge/persisted-queries.js';

/**
 * Order subscriptions, served by the gateway itself (Apollo Gateway cannot
 * execute subscriptions): graphql-ws on `/graphql`, fed by this instance's
 * own Kafka consumer of the order events, each event resolved through the
 * supergraph in-process. See docs/decisions/0009-subscriptions-served-by-the-gateway.md.
 */

export { CLOSE_CODES } from './connection-auth.js';

export interface SubscriptionsOptions {
  httpServer: HttpServer;
  config: GatewayConfig;
  logger: Logger;
  /** Runs an operation through the gateway (Apollo's executeOperation); called only after start. */
  execute: ExecuteInGateway;
  /** Trusted-documents mode: the manifest subscription documents must come from. */
  trusted: TrustedDocuments | null;
}

export interface GatewaySubscriptions {
  /** Apollo plugin: on stop, closes every WebSocket (1001) before HTTP drains. */
  plugin: ApolloServerPlugin<GatewayContext>;
  /** Readiness: the order events consumer is reading. */
  check: HealthCheck;
  feed: OrderFeed;
  /** Starts reading order events (in the background; readiness follows it). */
  start(): void;
  /** Stops the Kafka consumer and deletes its group (after the sockets are closed). */
  stop(): Promise<void>;
}

export function serveSubscriptions(options: SubscriptionsOptions): GatewaySubscriptions {
  const logger = options.logger.child({ component: 'subscriptions' });
  const resolve = gatewayOrderResolver(options.execute);
  const feed = new OrderFeed(async (orderId, query) => {
    subscriptionResolutions.inc();
    const end = subscriptionResolutionSeconds.startTimer();
    try {
      return await resolve(orderId, query);
    } finally {
      end();
    }
  }, logger);
  const schema = buildSubscriptionSchema({
    feed,
    opened: () => {
      openSubscriptions.inc();
      return () => openSubscriptions.dec();
    },
  });
  const ws = serveWebSockets({
    httpServer: options.httpServer,
    schema,
    jwtSecret: options.config.JWT_SECRET,
    logger,
    production: options.config.NODE_ENV === 'production',
    trusted: options.trusted,
  });
  const events = new OrderEventSource(options.config, logger, (change) => feed.publish(change));

  return {
    feed,
    check: () => events.check(),
    plugin: {
      async serverWillStart() {
        return {
          async drainServer() {
            await ws.dispose();
          },
        };
      },
    },
    start: () => events.start(),
    stop: () => events.stop(),
  };
}
