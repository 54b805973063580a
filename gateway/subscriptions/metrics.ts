import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../platform/metrics.js';

/** Open subscription streams on this gateway instance (prom-client default registry). */
export const openSubscriptions = new Gauge({
  name: 'graphql_subscriptions_open',
  help: 'GraphQL subscriptions currently streaming from this gateway',
  registers: [metricsRegistry],
});

/** Open /graphql WebSocket connections on this gateway instance. */
export const openConnections = new Gauge({
  name: 'graphql_ws_connections_open',
  help: 'graphql-ws connections currently open on this gateway',
  registers: [metricsRegistry],
});

/** Order resolutions run for subscribers; shared ones count once, however many subscribers get them. */
export const subscriptionResolutions = new Counter({
  name: 'graphql_subscription_resolutions_total',
  help: 'Order resolutions run through the supergraph for subscribers (one per shared group per event)',
  registers: [metricsRegistry],
});
