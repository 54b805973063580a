import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics.js';
import { isEventType } from './contracts.js';

/**
 * The event backbone's Prometheus series, in the process's default registry
 * (served at `/metrics`). Defined once per process: several consumers or
 * relays in one process (tests start services side by side) share them,
 * told apart by their labels.
 */

export const consumerLag = new Gauge({
  name: 'kafka_consumer_lag',
  help: 'Messages on the partition after the last one the consumer group processed',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
});

export const messagesConsumed = new Counter({
  name: 'kafka_messages_consumed_total',
  help: 'Messages a consumer group read: handled, recognised as redelivered, skipped or dead-lettered',
  labelNames: ['group', 'topic', 'type'] as const,
  registers: [metricsRegistry],
});

export const messagesDeadLettered = new Counter({
  name: 'kafka_messages_dead_lettered_total',
  help: 'Messages a consumer group sent to the dead-letter topic instead of handling them',
  labelNames: ['group', 'topic'] as const,
  registers: [metricsRegistry],
});

export const messagesProduced = new Counter({
  name: 'kafka_messages_produced_total',
  help: 'Outbox events the relay published (acknowledged by the broker)',
  labelNames: ['topic'] as const,
  registers: [metricsRegistry],
});

/** How long a scrape waits for the backlog count before reporting what it has. */
const BACKLOG_TIMEOUT_MS = 1_000;
const backlogSources = new Set<() => Promise<number>>();

/**
 * Counted at scrape time (one indexed COUNT per relay), so it is true even
 * while the relay itself is stuck; a database that does not answer in time
 * leaves the last value.
 */
export const outboxBacklogGauge = new Gauge({
  name: 'outbox_backlog',
  help: 'Outbox rows not yet published to Kafka; growing means the relay is stuck or Kafka is down',
  registers: [metricsRegistry],
  async collect() {
    if (backlogSources.size === 0) return;
    const counts = await Promise.all([...backlogSources].map((count) => withTimeout(count())));
    if (counts.some((c) => c === null)) return;
    this.set(counts.reduce<number>((sum, c) => sum + (c ?? 0), 0));
  },
});

/** Makes a relay's backlog part of `outbox_backlog`; call the returned function to stop. */
export function reportOutboxBacklog(count: () => Promise<number>): () => void {
  backlogSources.add(count);
  return () => backlogSources.delete(count);
}

/** Message types as labels, but only known ones: a stray producer must not mint series. */
export function typeLabel(type: string | undefined): string {
  return type !== undefined && isEventType(type) ? type : 'unknown';
}

async function withTimeout(pending: Promise<number>): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), BACKLOG_TIMEOUT_MS);
  });
  try {
    return await Promise.race([pending.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
