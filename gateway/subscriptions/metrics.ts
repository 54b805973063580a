import { Counter, Gauge, Histogram } from 'prom-client';
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

/** Where a subscriber's latency goes: Kafka's share (publish → this gateway's consumer)… */
export const subscriptionEventDelay = new Histogram({
  name: 'graphql_subscription_event_delay_seconds',
  help: 'From an order event reaching Kafka (its CreateTime) to this gateway reading it',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

/** …and the supergraph's share (one shared resolution, every subgraph the selection needs). */
export const subscriptionResolutionSeconds = new Histogram({
  name: 'graphql_subscription_resolution_seconds',
  help: 'Duration of one order resolution through the supergraph for a group of subscribers',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});
