import { Kafka, logLevel, type LogEntry, type Admin } from 'kafkajs';
import { fixRequestQueuePolling } from './kafka-request-queue.js';
import type { Logger } from './logger.js';

export interface KafkaSettings {
  brokers: string;
  clientId: string;
  topicPrefix: string;
  logger: Logger;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const ROUTINE_ERRORS = new RegExp(
  '^(' +
    [
      'Topic creation errors',
      'The group is rebalancing, so a rejoin is needed',
      // Leadership moving, as on a topic just created: kafkajs retries these itself.
      'This server is not the leader for that topic-partition',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
    ].join('|') +
    ')$',
);
/** Said once per idempotent producer; our bounded retries are deliberate (events/producer.ts). */
const ROUTINE_MESSAGES = /^Limiting retries for the idempotent producer/;

/** A kafkajs client whose own logs go through our structured logger. */
export function createKafka(settings: KafkaSettings): Kafka {
  fixRequestQueuePolling();
  const log = settings.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers.split(','),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // Routine broker answers kafkajs logs as errors: a topic another
        // process created first, a heartbeat during a rebalance, a request
        // to a partition whose leader is moving. All are handled (ensureTopics,
        // the consumer rejoins, kafkajs retries); they are not incidents: one
        // that lasts surfaces as the consumer's or the relay's own failure.
        // Nor is the warning about bounded retries every relay's producer gets.
        const routine =
          (typeof rest.error === 'string' && ROUTINE_ERRORS.test(rest.error)) ||
          ROUTINE_MESSAGES.test(message);
        log[routine ? 'debug' : (LEVELS[level] ?? 'info')](rest, message);
      },
  });
}

/** Topic (and consumer group) names carry the configured prefix, which isolates test runs. */
export function topicName(prefix: string, base: string): string {
  return `${prefix}${base}`;
}

/** Creates topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(
  admin: Admin,
  topics: string[],
  numPartitions = 3,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })),
  });
}

/** Readiness probe: the cluster answers a metadata request. */
export async function pingKafka(admin: Admin): Promise<void> {
  await admin.describeCluster();
}
