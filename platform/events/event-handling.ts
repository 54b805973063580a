import type { KafkaMessage, Producer } from 'kafkajs';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { pingDatabase } from '../db.js';
import { Lru } from '../lru.js';
import { currentTraceId, newTraceId, runWithTrace, sanitizeTraceId } from '../context.js';
import type { Logger } from '../logger.js';
import { isEventType, parseEnvelope, type EventEnvelope, type EventType } from './contracts.js';
import { claimInbox, claimInboxMany } from './inbox.js';
import { deadLetterTopic, sendToDeadLetter, type DeadLetterReason } from './dead-letter.js';
import { backoffDelay, describeError } from './retry.js';
import { headerText, peekEnvelope } from './message.js';
import { messagesConsumed, messagesDeadLettered, typeLabel } from './metrics.js';

/**
 * How a consumer handles what it reads (consumer.ts owns the Kafka side):
 * a message is skipped, dead-lettered, or handled with its inbox row in one
 * transaction, alone with retries, or together with others of its chunk.
 */

export type AnyHandler = (event: EventEnvelope, em: EntityManager) => Promise<void>;
export type AnyChunkHandler = (events: EventEnvelope[], em: EntityManager) => Promise<void>;

/**
 * The trace that work done for `cause` continues: the cause's own, or the
 * running one when it carries none we accept (a consumer handling an event
 * alone runs its handler in a trace of its own).
 */
export const traceOf = (cause: EventEnvelope): string =>
  sanitizeTraceId(cause.traceId) ?? currentTraceId() ?? newTraceId();

/** A message's Kafka key; unkeyed messages (none of ours) share one, so they are handled in order. */
export const keyOf = (message: KafkaMessage): string => message.key?.toString('latin1') ?? '';

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

/** An event read and ready for its handler. */
export interface Work {
  message: KafkaMessage;
  event: EventEnvelope;
  handler: AnyHandler;
  traceId: string | undefined;
}

export interface HandlingOptions {
  orm: MikroORM;
  /** Names its inbox rows. */
  consumerName: string;
  groupId: string;
  logger: Logger;
  handlerFor(type: EventType): AnyHandler | undefined;
  /** A handler for several events of the type at once, if the consumer has one. */
  chunkHandlerFor(type: EventType): AnyChunkHandler | undefined;
  /** Takes a chunk's row locks before its handlers run (ConsumerOptions.lockChunk). */
  lockChunk?: (events: EventEnvelope[], em: EntityManager) => Promise<void>;
  /** Updated as messages are handled. */
  counts: ConsumerStats;
  maxAttempts: number;
  firstRetryDelayMs: number;
  deadLetters: Producer;
}

const MAX_RETRY_DELAY_MS = 5_000;
/** Messages whose failed attempts are remembered at once. */
const MAX_TRACKED_FAILURES = 10_000;

/**
 * A handler failed and the event is to be handled again after `delayMs`:
 * the consumer pauses the event's partition until then (its other
 * partitions go on) and reads the event again when it resumes.
 */
export class RetryLater extends Error {
  override name = 'RetryLater';
  constructor(readonly delayMs: number) {
    super(`handler failed; retrying in ${delayMs} ms`);
  }
}

export function createEventHandling(options: HandlingOptions) {
  const {
    orm,
    consumerName,
    groupId,
    logger,
    handlerFor,
    chunkHandlerFor,
    lockChunk,
    counts,
    maxAttempts,
    firstRetryDelayMs,
    deadLetters,
  } = options;
  /**
   * Failed attempts so far, by topic, partition and offset, until the message
   * is done. Bounded: in a storm of failures the oldest counts are forgotten
   * (those messages get a few more attempts).
   */
  const failedAttempts = new Lru<string, number>(MAX_TRACKED_FAILURES);

  /**
   * Reads a message: null when it is done with already (skipped, or
   * dead-lettered because it cannot be parsed), else the event to handle.
   */
  async function prepare(
    topic: string,
    partition: number,
    message: KafkaMessage,
  ): Promise<Work | null> {
    const peeked = peekEnvelope(message.value);
    messagesConsumed.inc({ group: groupId, topic, type: typeLabel(peeked.type) });
    const traceId =
      sanitizeTraceId(peeked.traceId) ?? sanitizeTraceId(headerText(message, 'trace-id'));
    return runWithTrace(traceId, async () => {
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
        return null;
      }
      let event: EventEnvelope;
      try {
        event = parseEnvelope(message.value);
      } catch (err) {
        // Retrying cannot fix a broken message: straight to the dead letters.
        await deadLetter(topic, partition, message, 'invalid-message', err, 0);
        return null;
      }
      const handler = handlerFor(event.type);
      if (!handler) {
        counts.skipped += 1;
        return null;
      }
      return { message, event, handler, traceId };
    });
  }

  /**
   * Several events in one transaction (eventsPerTransaction > 1); false when
   * it rolled back, and the caller handles them one by one instead. Each
   * handler gets its own identity map, as one handled alone would.
   */
  async function handleTogether(work: readonly Work[]): Promise<boolean> {
    try {
      const handled = await orm.em.fork().transactional(async (tx) => {
        const claimed = await claimInboxMany(
          tx,
          consumerName,
          work.map((w) => w.event),
        );
        // delete: an event delivered twice in one batch is handled once.
        const fresh = work.filter((w) => claimed.delete(w.event.id.toLowerCase()));
        if (lockChunk && fresh.length > 1) {
          await lockChunk(
            fresh.map((w) => w.event),
            tx,
          );
        }
        for (const group of groupsOf(fresh)) {
          const em = tx.fork({ keepTransactionContext: true });
          if (group.chunkHandler) {
            // A trace of its own: its events each continue their cause's.
            await runWithTrace(undefined, async () => {
              await group.chunkHandler!(
                group.work.map((w) => w.event),
                em,
              );
              await em.flush();
            });
            continue;
          }
          const [{ event, handler, traceId }] = group.work as [Work];
          await runWithTrace(traceId, async () => {
            await handler(event, em);
            await em.flush();
          });
        }
        return fresh.length;
      });
      counts.handled += handled;
      counts.duplicates += work.length - handled;
      return true;
    } catch (err) {
      logger.debug(
        { err: describeError(err), events: work.length },
        'events handled together failed; handling them one by one',
      );
      return false;
    }
  }

  /**
   * In what groups a chunk's new events go to their handlers: one by one, in
   * order, unless every event has a key of its own (then no two touch the
   * same aggregate and their order does not matter), in which case the
   * events of each type with a chunk handler go to it together.
   */
  function groupsOf(
    work: readonly Work[],
  ): Array<{ work: Work[]; chunkHandler?: AnyChunkHandler }> {
    const alone = () => work.map((w) => ({ work: [w] }));
    if (work.length < 2 || new Set(work.map((w) => keyOf(w.message))).size < work.length) {
      return alone();
    }
    const byType = new Map<EventType, Work[]>();
    for (const w of work) {
      const same = byType.get(w.event.type);
      if (same) same.push(w);
      else byType.set(w.event.type, [w]);
    }
    return [...byType].flatMap(([type, group]) => {
      const chunkHandler = group.length > 1 ? chunkHandlerFor(type) : undefined;
      return chunkHandler ? [{ work: group, chunkHandler }] : group.map((w) => ({ work: [w] }));
    });
  }

  /**
   * One attempt at an event, alone in its transaction. A failure with
   * attempts left throws RetryLater (the consumer pauses the partition for
   * the delay and reads the event again then), so waiting for a retry never
   * holds up the consumer's other partitions. The last failure dead-letters
   * the event, unless the database is down.
   */
  async function handleOne(
    topic: string,
    partition: number,
    message: KafkaMessage,
    event: EventEnvelope,
    handler: AnyHandler,
  ): Promise<void> {
    const key = `${topic}\n${partition}\n${message.offset}`;
    try {
      // A fresh identity map per attempt: nothing from a failed one leaks in.
      const firstTime = await orm.em.fork().transactional(async (tx) => {
        if (!(await claimInbox(tx, consumerName, event))) return false;
        await handler(event, tx);
        return true;
      });
      failedAttempts.delete(key);
      if (firstTime) counts.handled += 1;
      else counts.duplicates += 1;
      return;
    } catch (err) {
      const attempt = (failedAttempts.get(key) ?? 0) + 1;
      if (attempt < maxAttempts) {
        failedAttempts.set(key, attempt);
        counts.retried += 1;
        logger.warn(
          { err: describeError(err), eventId: event.id, type: event.type, attempt },
          'event handler failed; retrying',
        );
        throw new RetryLater(backoffDelay(attempt, firstRetryDelayMs, MAX_RETRY_DELAY_MS));
      }
      failedAttempts.delete(key);
      // A database that is down fails every handler: that is an outage, not a
      // bad message. Leave the offset where it is; kafkajs redelivers it later.
      try {
        await pingDatabase(orm);
      } catch {
        throw err;
      }
      await deadLetter(topic, partition, message, 'handler-failed', err, maxAttempts, event);
    }
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

  return { prepare, handleTogether, handleOne };
}
