import type { EachBatchPayload } from 'kafkajs';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceConfig } from '../config.js';
import type { BackgroundTask, Runtime } from '../runtime.js';
import { ensureTopics, topicName } from '../kafka.js';
import { runWithTrace } from '../context.js';
import { domainOf, isEventType, topicOf, type EventEnvelope, type EventType } from './contracts.js';
import { pruneInbox } from './inbox.js';
import { createLimiter, runKeyedBatch } from './keyed-batch.js';
import { deadLetterTopic } from './dead-letter.js';
import { createEventProducer } from './producer.js';
import { backoffDelay, describeError } from './retry.js';
import { trackLag, type PartitionLag } from './lag.js';
import {
  createEventHandling,
  RetryLater,
  keyOf,
  type AnyChunkHandler,
  type AnyHandler,
  type ConsumerStats,
  type Work,
} from './event-handling.js';

export type { PartitionLag, ConsumerStats };

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

/** Takes the row locks a chunk's handlers will take (ConsumerOptions.lockChunk). */
export type ChunkLocker = (events: EventEnvelope[], em: EntityManager) => Promise<void>;

/**
 * Handles several events of one type in one go, inside the transaction of
 * their chunk (see `eventsPerTransaction`): the same effect as the type's
 * EventHandler run on each, in any order, but with a few statements for all
 * of them instead of a few each. The events have different Kafka keys (so
 * different aggregates) and are all new to the inbox. Events the outcome of
 * which it records continue their own cause's trace (`NewEvent.traceId`).
 */
export type ChunkHandler<T extends EventType> = (
  events: EventEnvelope<T>[],
  em: EntityManager,
) => Promise<void>;

export type ChunkHandlers = { [T in EventType]?: ChunkHandler<T> };

export interface ConsumerOptions {
  handlers: EventHandlers;
  /** Appended to the service name for the group id (and inbox), for a second consumer in one service. */
  groupSuffix?: string;
  /** Handler attempts before the message is dead-lettered. */
  maxAttempts?: number;
  /**
   * First retry delay; it doubles per attempt. The event's partition is
   * paused meanwhile; the consumer's other partitions go on.
   */
  firstRetryDelayMs?: number;
  /**
   * Transactions running at once, across partitions (each holds a pooled
   * database connection); events of one aggregate (Kafka key) are always
   * handled one after the other, in order.
   */
  concurrency?: number;
  /**
   * Up to this many events of a partition's batch are handled in one
   * transaction: one inbox statement and one commit for all of them. If any
   * handler fails, that transaction rolls back and its events are handled
   * one by one, each with its retries. Default 1. Only for handlers whose
   * every effect is in the database or idempotent outside it (a rollback
   * makes them run again), and whose row locks seldom meet another chunk's
   * or are taken first by a chunk locker (`lockChunk`): a chunk holds its
   * locks until it commits, and a deadlock costs the detection timeout
   * before the events go one by one.
   */
  eventsPerTransaction?: number;
  /**
   * For event types whose chunks are better handled together than one by
   * one (only with eventsPerTransaction > 1). The EventHandler of the type
   * is still required: it handles events alone (a chunk of one, retries).
   */
  chunkHandlers?: ChunkHandlers;
  /**
   * For handlers that lock shared rows (only with eventsPerTransaction > 1):
   * takes, before a chunk's handlers run, every lock they will take, in one
   * statement and one order. Handlers that each lock in sorted order are
   * safe alone, but a chunk runs several in one transaction: it would hold
   * one handler's locks while waiting for the next one's, and two chunks
   * doing so could deadlock (then wait out the detection timeout and go one
   * by one). Given the chunk's new events; the handlers' own locks are then
   * already held.
   */
  lockChunk?: ChunkLocker;
  /**
   * For consumers off the saga's path (nothing waits for them): the broker may
   * hold a fetch this long to gather GATHER_BYTES of events, so a steady
   * trickle arrives in fuller batches (fewer fetches, fuller transactions)
   * at the price of up to this much delay per event. Unset: each fetch is
   * answered as soon as one event is there.
   */
  gatherMs?: number;
}

export interface EventConsumer extends BackgroundTask {
  readonly groupId: string;
  /** Per partition, as of the last batch processed (partitions not fetched yet are absent). */
  lag(): PartitionLag[];
  stats(): ConsumerStats;
}

/** What a gathering fetch waits for (gatherMs): a few hundred events. */
const GATHER_BYTES = 64 * 1024;
/** Well under a service's pool of 10 connections: requests and the relay need theirs too. */
const DEFAULT_CONCURRENCY = 4;
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
  const chunkHandlers = options.chunkHandlers ?? {};
  const chunkHandlerFor = (type: EventType) => chunkHandlers[type] as AnyChunkHandler | undefined;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const limiter = createLimiter(concurrency);
  const eventsPerTransaction = options.eventsPerTransaction ?? 1;

  const domains = new Set(Object.keys(handlers).filter(isEventType).map(domainOf));
  const topics = [...domains].map((domain) => topicName(prefix, topicOf(domain)));
  if (topics.length === 0) throw new Error(`consumer ${groupId} has no handlers`);

  const consumer = kafka.consumer({
    groupId,
    // Without gatherMs the broker answers a fetch as soon as a message arrives
    // (minBytes 1), so this only bounds how long an idle fetch waits before
    // the next one. Each answer costs a round of empty batches for every
    // partition: polling an idle topic 20 times a second cost each service
    // ~5 % of a core.
    ...(options.gatherMs
      ? { minBytes: GATHER_BYTES, maxWaitTimeInMs: options.gatherMs }
      : { maxWaitTimeInMs: 500 }),
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
  /** Partitions paused until a failed event's next attempt. */
  const resumeTimers = new Set<NodeJS.Timeout>();

  const { prepare, handleTogether, handleOne } = createEventHandling({
    orm,
    consumerName,
    groupId,
    logger,
    handlerFor,
    chunkHandlerFor,
    lockChunk: options.lockChunk,
    counts,
    maxAttempts,
    firstRetryDelayMs,
    deadLetters,
  });

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

  /**
   * A partition's batch, several aggregates at a time (keyed-batch.ts). An
   * offset is resolved only once its message and every one before it were
   * handled, skipped or dead-lettered, so a crash or rebalance redelivers,
   * never skips; the inbox makes a redelivery harmless.
   *
   * A handler that fails with attempts left stops the batch there: the
   * partition is paused for the retry delay and then read again from the
   * failed message. Waiting inside eachBatch instead would hold up every
   * partition: kafkajs fetches again only once all the batches of the last
   * fetch are done.
   */
  async function eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    pause,
  }: EachBatchPayload): Promise<void> {
    try {
      await runKeyedBatch({
        messages: batch.messages,
        keyOf,
        lanes: concurrency,
        chunkSize: eventsPerTransaction,
        limiter,
        keepGoing: () => isRunning() && !isStale(),
        handle: async (chunk, done) => {
          const work: Work[] = [];
          for (const message of chunk) {
            const prepared = await prepare(batch.topic, batch.partition, message);
            if (prepared) work.push(prepared);
            else done(message);
          }
          if (work.length > 1 && (await handleTogether(work))) {
            for (const { message } of work) done(message);
          } else {
            for (const { message, event, handler, traceId } of work) {
              await runWithTrace(traceId, () =>
                handleOne(batch.topic, batch.partition, message, event, handler),
              );
              done(message);
            }
          }
          await heartbeat();
        },
        onDone: (message) => resolveOffset(message.offset),
      });
    } catch (err) {
      if (!(err instanceof RetryLater)) throw err;
      // Stopping: the failed message stays unresolved, read again at the next start.
      if (stopping) return;
      const resume = pause();
      const timer = setTimeout(() => {
        resumeTimers.delete(timer);
        resume();
      }, err.delayMs);
      timer.unref();
      resumeTimers.add(timer);
    }
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
      // Offsets are resolved by eachBatch, in order; commits are batched to once a second.
      autoCommit: true,
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch,
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
      for (const timer of resumeTimers) clearTimeout(timer);
      if (restartTimer) clearTimeout(restartTimer);
      await consumer.disconnect();
      await deadLetters.disconnect().catch(() => undefined);
    },

    lag: lag.snapshot,
    stats: () => ({ ...counts }),
  };
}
