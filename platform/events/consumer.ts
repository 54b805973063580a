import type { EachMessagePayload, KafkaMessage } from 'kafkajs';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceConfig } from '../config.js';
import type { BackgroundTask, Runtime } from '../runtime.js';
import { ensureTopics, topicName } from '../kafka.js';
import { pingDatabase } from '../db.js';
import { runWithTrace, sanitizeTraceId } from '../context.js';
import {
  domainOf,
  isEventType,
  parseEnvelope,
  topicOf,
  type EventEnvelope,
  type EventType,
} from './contracts.js';
import { claimInbox, pruneInbox } from './inbox.js';
import { deadLetterTopic, sendToDeadLetter, type DeadLetterReason } from './dead-letter.js';
import { createEventProducer } from './producer.js';
import { backoffDelay, describeError, sleep } from './retry.js';
import { trackLag, type PartitionLag } from './lag.js';
import { headerText, peekEnvelope } from './message.js';
import { messagesConsumed, messagesDeadLettered, typeLabel } from './metrics.js';

export type { PartitionLag };

/**
 * An idempotent Kafka consumer: each event's effect and its inbox row commit
 * in one transaction, failures retry with backoff, and a message that cannot
 * be handled goes to `<topic>.dlq` so its partition moves on.
 */

/** Runs inside the transaction that also records the event as handled: use `em` for every change. */
export type EventHandler<T extends EventType> = (
  event: EventEnvelope<T>,
  em: EntityManager,
) => Promise<void>;

export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface ConsumerOptions {
  handlers: EventHandlers;
  /** Appended to the service name for the group id (and inbox), for a second consumer in one service. */
  groupSuffix?: string;
  /** Handler attempts before the message is dead-lettered. */
  maxAttempts?: number;
  /** First retry delay; it doubles per attempt. */
  firstRetryDelayMs?: number;
}

export interface ConsumerStats {
  handled: number;
  /** Redeliveries the inbox recognised. */
  duplicates: number;
  /** Events of types this consumer has no handler for (or does not know). */
  skipped: number;
  /** Handler attempts that failed and were retried. */
  retried: number;
  deadLettered: number;
}

export interface EventConsumer extends BackgroundTask {
  readonly groupId: string;
  /** Per partition, as of the last batch processed (partitions not fetched yet are absent). */
  lag(): PartitionLag[];
  stats(): ConsumerStats;
}

type AnyHandler = (event: EventEnvelope, em: EntityManager) => Promise<void>;

const MAX_RETRY_DELAY_MS = 5_000;
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** How often lag and new dead letters are logged (only when there is something to say). */
const HEALTH_LOG_INTERVAL_MS = 30_000;
const INBOX_PRUNE_INTERVAL_MS = 3_600_000;
/** Longer than Kafka's retention, so no redelivery can outlive its inbox row. */
const INBOX_RETENTION_MS = 30 * 24 * 3_600_000;

export function createConsumer(
  runtime: Runtime<ServiceConfig>,
  options: ConsumerOptions,
): EventConsumer {
  const { orm, kafka, config } = runtime;
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const consumerName = `${config.service}${options.groupSuffix ?? ''}`;
  const groupId = topicName(prefix, consumerName);
  const logger = runtime.logger.child({ component: 'event-consumer', groupId });
  const maxAttempts = options.maxAttempts ?? 5;
  const firstRetryDelayMs = options.firstRetryDelayMs ?? 100;
  const handlers = options.handlers;
  const handlerFor = (type: EventType) => handlers[type] as AnyHandler | undefined;

  const domains = new Set(Object.keys(handlers).filter(isEventType).map(domainOf));
  const topics = [...domains].map((domain) => topicName(prefix, topicOf(domain)));
  if (topics.length === 0) throw new Error(`consumer ${groupId} has no handlers`);

  const consumer = kafka.consumer({
    groupId,
    // The broker answers a fetch as soon as a message arrives (minBytes 1);
    // this bounds how long an idle fetch waits before the next one.
    maxWaitTimeInMs: 50,
    sessionTimeout: 15_000,
    heartbeatInterval: 3_000,
    rebalanceTimeout: 30_000,
    allowAutoTopicCreation: false,
  });
  const deadLetters = createEventProducer(kafka, { idempotent: false });
  const counts: ConsumerStats = {
    handled: 0,
    duplicates: 0,
    skipped: 0,
    retried: 0,
    deadLettered: 0,
  };
  let stopping = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let restarts = 0;
  const timers: NodeJS.Timeout[] = [];

  const lag = trackLag(consumer, groupId);
  let deadLetteredAtLastLog = 0;

  /** One line when a partition is behind or messages were dead-lettered since the last one. */
  function logHealth(): void {
    const behind = lag.snapshot().filter((p) => p.lag > 0);
    const newDeadLetters = counts.deadLettered - deadLetteredAtLastLog;
    if (behind.length === 0 && newDeadLetters === 0) return;
    deadLetteredAtLastLog = counts.deadLettered;
    const total = behind.reduce((sum, p) => sum + p.lag, 0);
    const line = {
      lag: total,
      partitions: behind,
      deadLettered: counts.deadLettered,
      newDeadLetters,
    };
    if (newDeadLetters > 0) logger.warn(line, 'consumer lag and dead letters');
    else logger.info(line, 'consumer lag');
  }
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    logger.info({ assignment: payload.memberAssignment }, 'joined consumer group');
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    logger.error(
      { err: describeError(payload.error), restart: payload.restart },
      'event consumer crashed',
    );
  });

  async function eachMessage({ topic, partition, message, heartbeat }: EachMessagePayload) {
    const peeked = peekEnvelope(message.value);
    messagesConsumed.inc({ group: groupId, topic, type: typeLabel(peeked.type) });
    const traceId =
      sanitizeTraceId(peeked.traceId) ?? sanitizeTraceId(headerText(message, 'trace-id'));
    await runWithTrace(traceId, async () => {
      // Types nobody here handles are not this consumer's business, valid or
      // not. A type this build does not know is most likely a newer producer
      // during a rolling deploy: worth a warning, not a dead letter per group.
      if (peeked.type !== undefined && !(isEventType(peeked.type) && handlerFor(peeked.type))) {
        counts.skipped += 1;
        if (!isEventType(peeked.type)) {
          logger.warn(
            { type: peeked.type, topic, partition, offset: message.offset },
            'skipped an event type this build does not know',
          );
        }
        return;
      }
      let event: EventEnvelope;
      try {
        event = parseEnvelope(message.value);
      } catch (err) {
        // Retrying cannot fix a broken message: straight to the dead letters.
        await deadLetter(topic, partition, message, 'invalid-message', err, 0);
        return;
      }
      const handler = handlerFor(event.type);
      if (!handler) {
        counts.skipped += 1;
        return;
      }
      await handleWithRetries(topic, partition, message, event, handler, heartbeat);
    });
  }

  async function handleWithRetries(
    topic: string,
    partition: number,
    message: KafkaMessage,
    event: EventEnvelope,
    handler: AnyHandler,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        // A fresh identity map per attempt: nothing from a failed one leaks in.
        const firstTime = await orm.em.fork().transactional(async (tx) => {
          if (!(await claimInbox(tx, consumerName, event))) return false;
          await handler(event, tx);
          return true;
        });
        if (firstTime) counts.handled += 1;
        else counts.duplicates += 1;
        return;
      } catch (err) {
        lastError = err;
        if (attempt === maxAttempts) break;
        counts.retried += 1;
        logger.warn(
          { err: describeError(err), eventId: event.id, type: event.type, attempt },
          'event handler failed; retrying',
        );
        await sleep(backoffDelay(attempt, firstRetryDelayMs, MAX_RETRY_DELAY_MS));
        await heartbeat();
      }
    }
    // A database that is down fails every handler: that is an outage, not a
    // bad message. Leave the offset where it is; kafkajs redelivers it later.
    try {
      await pingDatabase(orm);
    } catch {
      throw lastError;
    }
    await deadLetter(topic, partition, message, 'handler-failed', lastError, maxAttempts, event);
  }

  async function deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
    event?: EventEnvelope,
  ): Promise<void> {
    // If this send fails the error propagates and the message is redelivered.
    await sendToDeadLetter(deadLetters, {
      topic,
      partition,
      message,
      groupId,
      reason,
      error,
      attempts,
    });
    counts.deadLettered += 1;
    messagesDeadLettered.inc({ group: groupId, topic });
    logger.error(
      {
        reason,
        err: describeError(error),
        topic,
        partition,
        offset: message.offset,
        eventId: event?.id,
        type: event?.type,
        deadLetterTopic: deadLetterTopic(topic),
      },
      'message dead-lettered',
    );
  }

  async function connectAndRun(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [...topics, ...topics.map(deadLetterTopic)]);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await deadLetters.connect();
    await consumer.connect();
    // fromBeginning applies only to a group without committed offsets: a new
    // service reads the history, a restarted one continues where it stopped.
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      // An offset is resolved only after eachMessage returns (handled, skipped
      // or dead-lettered), so a crash redelivers, never skips; the inbox makes
      // the redelivery harmless. Commits are batched to once a second.
      autoCommit: true,
      autoCommitInterval: 1_000,
      partitionsConsumedConcurrently: 3,
      eachMessage,
    });
    restarts = 0;
  }

  /** Start-up failures (Kafka down) retry in the background: the service runs, its events wait. */
  async function startOrRetry(): Promise<void> {
    try {
      await connectAndRun();
    } catch (err) {
      if (stopping) return;
      restarts += 1;
      const delay = backoffDelay(restarts, FIRST_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS);
      logger.error({ err: describeError(err), retryInMs: delay }, 'event consumer could not start');
      await consumer.disconnect().catch(() => undefined);
      await deadLetters.disconnect().catch(() => undefined);
      restartTimer = setTimeout(() => {
        restartTimer = null;
        void startOrRetry();
      }, delay);
      restartTimer.unref();
    }
  }

  async function prune(): Promise<void> {
    try {
      await pruneInbox(orm.em.fork(), INBOX_RETENTION_MS);
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not prune the inbox');
    }
  }

  return {
    name: `event-consumer${options.groupSuffix ?? ''}`,
    groupId,

    async start() {
      await startOrRetry();
      timers.push(setInterval(logHealth, HEALTH_LOG_INTERVAL_MS));
      timers.push(setInterval(() => void prune(), INBOX_PRUNE_INTERVAL_MS));
      for (const timer of timers) timer.unref();
    },

    /** Waits for the message in flight, commits the handled offsets, and leaves the group. */
    async stop() {
      stopping = true;
      for (const timer of timers) clearInterval(timer);
      if (restartTimer) clearTimeout(restartTimer);
      await consumer.disconnect();
      await deadLetters.disconnect().catch(() => undefined);
    },

    lag: lag.snapshot,
    stats: () => ({ ...counts }),
  };
}
