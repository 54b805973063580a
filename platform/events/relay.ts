import type pg from 'pg';
import type { IHeaders, Message, Producer, TopicMessages } from 'kafkajs';
import type { ServiceConfig } from '../config.js';
import type { BackgroundTask, Runtime } from '../runtime.js';
import { ensureTopics, topicName } from '../kafka.js';
import { DOMAINS, topicOf } from './contracts.js';
import { OUTBOX_CHANNEL, outboxBacklog, pruneOutbox } from './outbox.js';
import { createPgListener } from './listener.js';
import { ACKS_ALL, createEventProducer } from './producer.js';
import { backoffDelay, describeError } from './retry.js';
import { messagesProduced, reportOutboxBacklog } from './metrics.js';

/**
 * The relay: publishes committed outbox rows to Kafka, in `seq` order, and
 * marks them published. At least once: a crash between Kafka's ack and the
 * UPDATE republishes the batch, and consumers deduplicate by event id.
 *
 * It works on one connection of its own, the one that LISTENs for new rows,
 * outside any transaction, and none of the pool's connections, which
 * requests and consumers need. Besides the Kafka request, a batch costs one
 * statement while rows keep coming (it marks the batch published and reads
 * the next one), two when it finds the outbox empty.
 */

export interface OutboxRelay extends BackgroundTask {
  /** Rows not yet on Kafka, for metrics and readiness. */
  outboxBacklog(): Promise<number>;
}

export interface OutboxRelayOptions {
  /** Rows per claim (and per Kafka request). */
  batchSize?: number;
  /** Safety-net poll when no NOTIFY arrives (missed while reconnecting, or a replica's backoff). */
  pollIntervalMs?: number;
  /** Published rows are kept this long for inspection and replay, then pruned. */
  retentionMs?: number;
}

/**
 * Only the holder of this advisory lock publishes. It is taken at session
 * level on the relay's connection and held while that session lives, so a
 * relay whose connection drops stops leading at once. SKIP LOCKED alone would
 * let a second replica publish rows 101-200 while the first still sends
 * 1-100, reordering one aggregate's events across the two batches; with the
 * lock, replicas are hot standbys and order holds. (Relays that took this key
 * per transaction exclude, and are excluded by, the session lock.)
 */
export const RELAY_LOCK_KEY = 7_300_002;

/**
 * Ends the session of a relay that vanished (network partition), releasing
 * its lock; a live relay sends a statement at least every poll interval.
 */
const IDLE_SESSION_TIMEOUT_MS = 120_000;
const FIRST_FAILURE_DELAY_MS = 250;
const MAX_FAILURE_DELAY_MS = 10_000;
const PRUNE_INTERVAL_MS = 3_600_000;

interface PendingRow {
  seq: string;
  topic: string;
  key: string;
  type: string;
  trace_id: string | null;
  value: string;
}

type BatchOutcome =
  { kind: 'idle' } | { kind: 'published'; count: number } | { kind: 'failed'; error: unknown };

export function createOutboxRelay(
  runtime: Runtime<ServiceConfig>,
  options: OutboxRelayOptions = {},
): OutboxRelay {
  const { orm, kafka, config } = runtime;
  const logger = runtime.logger.child({ component: 'outbox-relay' });
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
  const prefix = config.KAFKA_TOPIC_PREFIX;

  let producer: Producer = createEventProducer(kafka);
  let producerReady = false;
  let stopping = false;
  let wake = false;
  let loop: Promise<void> | null = null;
  let backoffTimer: NodeJS.Timeout | null = null;
  let pollTimer: NodeJS.Timeout | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;
  let stopReportingBacklog: (() => void) | null = null;
  let failures = 0;
  let outageSince: number | null = null;
  /** The listener session that holds the relay lock, if any (a reconnect is a new session). */
  let leading: pg.Client | null = null;

  const listener = createPgListener({
    url: config.databaseUrl,
    channel: OUTBOX_CHANNEL,
    logger,
    onNotify: () => schedule(),
  });

  /** Asks for a drain; notifications that arrive during one just make it go round again. */
  function schedule(): void {
    wake = true;
    if (loop || stopping || backoffTimer) return;
    loop = drain().finally(() => {
      loop = null;
      if (wake) schedule();
    });
  }

  async function drain(): Promise<void> {
    while (wake && !stopping) {
      wake = false;
      // No connection: the listener is reconnecting, and wakes us once it is back.
      const session = listener.connection();
      if (!session) return;
      let outcome: BatchOutcome;
      try {
        // Another replica leads; it LISTENs too. This one polls, in case it goes.
        if (!(await lead(session))) return;
        await connectProducer();
        outcome = await publishPending(session);
      } catch (err) {
        outcome = { kind: 'failed', error: err };
        // Not even a claim happened (Kafka or PostgreSQL unreachable): still
        // make the failure visible on the waiting rows, if the database answers.
        await recordAttempt(session, err).catch(() => undefined);
      }
      if (outcome.kind === 'failed') {
        onFailure(outcome.error);
        return;
      }
      onSuccess();
    }
  }

  /**
   * Whether this session holds the relay lock, trying to take it if not. The
   * session's commits need not wait for their WAL flush: a mark lost in a
   * database crash only republishes rows, which consumers deduplicate, as
   * after any crash between Kafka's ack and the UPDATE.
   */
  async function lead(session: pg.Client): Promise<boolean> {
    if (leading === session) return true;
    const { rows } = await session.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock($1) AS locked,
              set_config('idle_session_timeout', $2, false),
              set_config('synchronous_commit', 'off', false)`,
      [RELAY_LOCK_KEY, `${IDLE_SESSION_TIMEOUT_MS}ms`],
    );
    if (rows[0]?.locked) leading = session;
    return leading === session;
  }

  async function connectProducer(): Promise<void> {
    if (producerReady) return;
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Every domain's topic, so the first event of any type has somewhere to go.
      await ensureTopics(
        admin,
        DOMAINS.map((domain) => topicName(prefix, topicOf(domain))),
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await producer.connect();
    producerReady = true;
  }

  /**
   * Publishes the pending head batch after batch until none is left: each
   * batch is marked published by the statement that reads the next one, so
   * a steady flow costs one statement per batch.
   */
  async function publishPending(session: pg.Client): Promise<BatchOutcome> {
    // Notifications so far are for rows this read sees.
    wake = false;
    let rows = await readHead(session, []);
    let count = 0;
    while (rows.length > 0) {
      const seqs = rows.map((row) => row.seq);
      try {
        await producer.sendBatch({ acks: ACKS_ALL, topicMessages: toTopicMessages(rows) });
      } catch (err) {
        // The rows say why they are still waiting.
        await session.query(
          'UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE seq = ANY($2::bigint[])',
          [describeError(err), seqs],
        );
        return { kind: 'failed', error: err };
      }
      // On Kafka now, whatever happens to the UPDATE (a failure republishes them).
      for (const row of rows) messagesProduced.inc({ topic: topicName(prefix, row.topic) });
      count += rows.length;
      if (stopping) {
        await readHead(session, seqs, 0);
        break;
      }
      wake = false;
      rows = await readHead(session, seqs);
    }
    return count > 0 ? { kind: 'published', count } : { kind: 'idle' };
  }

  /**
   * Marks the rows `published` (sent to Kafka) and reads the pending head
   * after them, in one statement. Both parts see the outbox as it was when
   * the statement began, so the rows being marked still look pending to the
   * read, which leaves them out by name (not by `seq > last`: a transaction
   * that drew a lower seq may commit later, and its row still goes first).
   */
  async function readHead(
    session: pg.Client,
    published: readonly string[],
    limit = batchSize,
  ): Promise<PendingRow[]> {
    const { rows } = await session.query<PendingRow>({
      // Prepared once per session: the relay sends it for every batch.
      name: 'outbox-relay-head',
      text: `WITH marked AS (
               UPDATE outbox SET published_at = clock_timestamp() WHERE seq = ANY($1::bigint[])
             )
             SELECT seq, topic, key, type, payload->>'traceId' AS trace_id, payload::text AS value
             FROM outbox WHERE published_at IS NULL AND seq <> ALL($1::bigint[])
             ORDER BY seq LIMIT $2`,
      values: [published, limit],
    });
    return rows;
  }

  function toTopicMessages(rows: PendingRow[]): TopicMessages[] {
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const topic = topicName(prefix, row.topic);
      const headers: IHeaders = { 'event-type': row.type };
      if (row.trace_id) headers['trace-id'] = row.trace_id;
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: row.key, value: row.value, headers });
      byTopic.set(topic, messages);
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  async function recordAttempt(session: pg.Client, err: unknown): Promise<void> {
    if (leading !== session) return; // the leader's rows, not ours to annotate
    await session.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = $1
       WHERE seq IN (SELECT seq FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $2)`,
      [describeError(err), batchSize],
    );
  }

  function onSuccess(): void {
    failures = 0;
    if (outageSince !== null) {
      logger.info({ outageMs: Date.now() - outageSince }, 'outbox relay publishing again');
      outageSince = null;
    }
  }

  function onFailure(err: unknown): void {
    failures += 1;
    if (outageSince === null) {
      outageSince = Date.now();
      logger.error(
        { err: describeError(err) },
        'outbox relay cannot publish; events stay pending and are retried',
      );
    } else {
      logger.debug({ err: describeError(err), failures }, 'outbox relay still failing');
    }
    // A failed idempotent producer may hold sequence numbers the broker never
    // saw; a fresh one (new producer id) starts clean.
    if (producerReady) {
      const broken = producer;
      void broken.disconnect().catch(() => undefined);
      producer = createEventProducer(kafka);
      producerReady = false;
    }
    if (stopping) return;
    backoffTimer = setTimeout(
      () => {
        backoffTimer = null;
        schedule();
      },
      backoffDelay(failures, FIRST_FAILURE_DELAY_MS, MAX_FAILURE_DELAY_MS),
    );
    backoffTimer.unref();
  }

  async function prune(): Promise<void> {
    try {
      const deleted = await pruneOutbox(orm.em.fork(), retentionMs);
      if (deleted > 0) logger.info({ deleted }, 'pruned published outbox rows');
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not prune the outbox');
    }
  }

  return {
    name: 'outbox-relay',

    /** Returns without waiting for Kafka: a broker that is down delays events, it does not stop the service. */
    async start() {
      await listener.start();
      pollTimer = setInterval(schedule, pollIntervalMs);
      pollTimer.unref();
      pruneTimer = setInterval(() => void prune(), PRUNE_INTERVAL_MS);
      pruneTimer.unref();
      stopReportingBacklog = reportOutboxBacklog(() => outboxBacklog(orm.em.fork()));
      schedule();
    },

    /** Lets the batch in flight finish (sent and marked), then disconnects. */
    async stop() {
      stopping = true;
      stopReportingBacklog?.();
      for (const timer of [pollTimer, pruneTimer]) if (timer) clearInterval(timer);
      if (backoffTimer) clearTimeout(backoffTimer);
      backoffTimer = null;
      // The batch in flight needs the connection to mark its rows.
      await loop;
      await listener.stop();
      await producer.disconnect().catch(() => undefined);
    },

    outboxBacklog: () => outboxBacklog(orm.em.fork()),
  };
}
