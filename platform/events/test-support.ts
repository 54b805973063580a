import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Admin, IHeaders, Kafka } from 'kafkajs';
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadSubgraphConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { initOrm, type MigrationObject } from '../db.js';
import { createKafka, ensureTopics, topicName } from '../kafka.js';
import { Lifecycle } from '../lifecycle.js';
import type { Runtime } from '../subgraph.js';
import { DOMAINS, topicOf } from './contracts.js';
import { outboxMigration } from './outbox.js';
import { inboxMigration } from './inbox.js';
import { deadLetterTopic } from './dead-letter.js';

/**
 * For the event backbone's integration tests: a real PostgreSQL database and
 * real Kafka topics of their own (a random suffix per test file), and a
 * minimal Runtime over them. Nothing here is mocked.
 */

const POSTGRES_SERVER = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? 'localhost:9092';

export interface TestBed {
  runtime: Runtime;
  orm: MikroORM;
  kafka: Kafka;
  admin: Admin;
  prefix: string;
  databaseUrl: string;
  /** `<prefix><domain>.events` */
  topic(domain: (typeof DOMAINS)[number]): string;
  close(): Promise<void>;
}

export async function createTestBed(extraMigrations: MigrationObject[] = []): Promise<TestBed> {
  const suffix = randomBytes(4).toString('hex');
  const databaseUrl = `${POSTGRES_SERVER}/ecommerce_test_events_${suffix}`;
  // Matches the test stack's prefix pattern, so a crashed run's topics are swept by the next run.
  const prefix = `test-ev${suffix}.`;
  const config = loadSubgraphConfig('order', {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ORDER_DATABASE_URL: databaseUrl,
    KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: prefix,
  });
  const logger = createLogger('events-test', config.LOG_LEVEL);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `events-test-${suffix}`,
    topicPrefix: prefix,
    logger,
  });
  const admin = kafka.admin({ retry: { retries: 2 } });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `Kafka at ${KAFKA_BROKERS} is not reachable (${(err as Error).message}); start it with: bash infra/kafka/kafka.sh start`,
    );
  }
  const topics = DOMAINS.map((domain) => topicName(prefix, topicOf(domain)));
  await ensureTopics(admin, [...topics, ...topics.map(deadLetterTopic)]);

  const orm = await initOrm({
    url: databaseUrl,
    entities: [],
    migrations: [outboxMigration, inboxMigration, ...extraMigrations],
    logger,
  });
  const runtime: Runtime = {
    config,
    logger,
    orm,
    kafka,
    redis: null,
    lifecycle: new Lifecycle(logger, 10_000),
  };

  return {
    runtime,
    orm,
    kafka,
    admin,
    prefix,
    databaseUrl,
    topic: (domain) => topicName(prefix, topicOf(domain)),
    async close() {
      await orm.close(true);
      const all = await admin.listTopics().catch(() => [] as string[]);
      await admin
        .deleteTopics({ topics: all.filter((t) => t.startsWith(prefix)) })
        .catch(() => undefined);
      await admin.disconnect();
      const server = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres` });
      await server.connect();
      await server.query(`DROP DATABASE IF EXISTS "ecommerce_test_events_${suffix}" WITH (FORCE)`);
      await server.end();
    },
  };
}

export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /** Kafka's CreateTime: when the producer built the message. */
  timestamp: number;
  receivedAt: number;
}

export interface Collector {
  messages: Received[];
  /** Resolves with the matching messages once there are at least `count`. */
  waitFor(match: (m: Received) => boolean, count?: number, timeoutMs?: number): Promise<Received[]>;
  stop(): Promise<void>;
}

/** A plain kafkajs consumer (its own group) that keeps every message of the given topics. */
export async function collect(kafka: Kafka, topics: string[], groupId: string): Promise<Collector> {
  const messages: Received[] = [];
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 20, allowAutoTopicCreation: false });
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve());
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ topic, partition, message }) => {
      messages.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: textHeaders(message.headers),
        timestamp: Number(message.timestamp),
        receivedAt: Date.now(),
      });
    },
  });
  await joined;
  return {
    messages,
    async waitFor(match, count = 1, timeoutMs = 15_000) {
      await waitUntil(() => messages.filter(match).length >= count, timeoutMs);
      return messages.filter(match);
    },
    stop: () => consumer.disconnect(),
  };
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined)
      out[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
  }
  return out;
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
