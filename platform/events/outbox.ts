import { z } from 'zod';
import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MigrationObject } from '../db.js';
import { currentTraceId } from '../context.js';
import { uuidv7 } from '../ids.js';
import {
  domainOf,
  envelopeSchema,
  eventSchemas,
  topicOf,
  type EventData,
  type EventEnvelope,
  type EventType,
} from './contracts.js';
import { executeSql, queryRows } from './sql.js';

/**
 * The producer half of the transactional outbox: an event is a row written in
 * the same PostgreSQL transaction as the state change it describes, so it
 * exists if and only if that change committed. The relay (relay.ts) publishes
 * the rows to Kafka afterwards.
 */

/** The channel the relay LISTENs on; a NOTIFY is delivered only when the writing transaction commits. */
export const OUTBOX_CHANNEL = 'outbox';

/**
 * Events are facts, not documents: anything near Kafka's 1 MiB default
 * message limit would block the outbox head forever, so it is refused here,
 * where the bug is.
 */
const MAX_PAYLOAD_BYTES = 512 * 1024;

/** Namespace (first key) of the per-aggregate advisory locks; the second key is a hash of the aggregate id. */
const AGGREGATE_LOCK_NAMESPACE = 7_300_001;

export interface NewEvent<T extends EventType> {
  type: T;
  /** Becomes the Kafka key: one aggregate's events share a partition and keep their order. */
  aggregateId: string;
  /** The aggregate's version after this change, so consumers can drop stale or out-of-order facts. */
  aggregateVersion: number;
  data: EventData<T>;
  /**
   * The trace the event continues; by default the one running. A consumer
   * handling several events at once passes each cause's own.
   */
  traceId?: string | null;
}

/** A producer bug: the event breaks its contract or is recorded outside a transaction. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/**
 * Records an event in the caller's transaction. `em` must be the one
 * `em.transactional(async (tx) => …)` hands to its callback; the row (and the
 * relay's wake-up) commits or rolls back with the caller's changes.
 *
 * Events of one aggregate are serialised with a transaction-scoped advisory
 * lock, so their outbox order is their commit order even when two
 * transactions touch the same aggregate at once (the second waits for the
 * first to finish). Record the event at a consistent point of the transaction
 * (after the aggregate's own UPDATE is the natural one); PostgreSQL resolves a
 * lock-order deadlock by aborting one transaction, which the caller retries.
 */
export async function recordEvent<T extends EventType>(
  em: EntityManager,
  event: NewEvent<T>,
): Promise<EventEnvelope<T>> {
  const [envelope] = await recordEvents(em, [event]);
  return envelope!;
}

/**
 * `recordEvent` for several events in one statement (a consumer handling a
 * chunk of events records their outcomes together): the rows take their
 * `seq` in the order given, and the aggregates' locks are taken in a fixed
 * order (sorted), so two transactions recording overlapping sets wait for
 * each other rather than deadlock. Nothing is recorded if any event breaks
 * its contract.
 */
export async function recordEvents<T extends EventType>(
  em: EntityManager,
  events: ReadonlyArray<NewEvent<T>>,
): Promise<EventEnvelope<T>[]> {
  if (!em.isInTransaction()) {
    const types = [...new Set(events.map((e) => e.type))].join(', ');
    throw new InvalidEventError(
      `recordEvent(${types}) needs the EntityManager of em.transactional(); outside a transaction the event could outlive a rolled-back change`,
    );
  }
  if (events.length === 0) return [];
  const envelopes = events.map((event) => buildEnvelope(event));
  const payloads = envelopes.map((envelope) => {
    const payload = JSON.stringify(envelope);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new InvalidEventError(`${envelope.type} is larger than ${MAX_PAYLOAD_BYTES} bytes`);
    }
    return payload;
  });

  // One round trip for the locks, the rows and the wake-up. The rows are
  // built from the locks' (materialized) result, so every lock is held before
  // the insert draws a `seq`. Topics are stored without the deployment's
  // prefix, which the relay adds. One statement text for any number of
  // events: it is prepared once per connection.
  await queryRows(
    em,
    `WITH serialised AS MATERIALIZED (
       SELECT count(pg_advisory_xact_lock(?, hashtext(k))) AS locked
       FROM (SELECT DISTINCT k FROM unnest(ARRAY[?]::text[]) AS k ORDER BY k) AS aggregates
     ), inserted AS (
       INSERT INTO outbox (id, topic, key, type, payload)
       SELECT e.id, e.topic, e.key, e.type, e.payload::jsonb
       FROM serialised,
            unnest(ARRAY[?]::uuid[], ARRAY[?]::text[], ARRAY[?]::text[], ARRAY[?]::text[],
                   ARRAY[?]::text[]) WITH ORDINALITY AS e (id, topic, key, type, payload, n)
       ORDER BY e.n
       RETURNING seq
     )
     SELECT pg_notify(?, '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_row`,
    [
      AGGREGATE_LOCK_NAMESPACE,
      envelopes.map((e) => e.aggregateId),
      envelopes.map((e) => e.id),
      envelopes.map((e) => topicOf(domainOf(e.type))),
      envelopes.map((e) => e.aggregateId),
      envelopes.map((e) => e.type),
      payloads,
      OUTBOX_CHANNEL,
    ],
  );
  return envelopes;
}

/** Validates the data against its contract and wraps it; throws InvalidEventError when it does not conform. */
export function buildEnvelope<T extends EventType>(event: NewEvent<T>): EventEnvelope<T> {
  const schema = eventSchemas[event.type] as z.ZodType | undefined;
  if (!schema) throw new InvalidEventError(`unknown event type ${String(event.type)}`);
  const data = schema.safeParse(event.data);
  if (!data.success) {
    throw new InvalidEventError(
      `${event.type} breaks its contract: ${z.prettifyError(data.error)}`,
    );
  }
  const envelope = {
    id: uuidv7(),
    type: event.type,
    occurredAt: new Date().toISOString(),
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    traceId: event.traceId !== undefined ? event.traceId : (currentTraceId() ?? null),
    data: data.data as EventData<T>,
  };
  // The same check a consumer's parseEnvelope makes, so nothing unparseable leaves.
  const checked = envelopeSchema.safeParse(envelope);
  if (!checked.success) {
    throw new InvalidEventError(
      `${event.type} envelope is invalid: ${z.prettifyError(checked.error)}`,
    );
  }
  return envelope;
}

/** Rows not yet on Kafka: a growing number means the relay is stuck or Kafka is down. */
export async function outboxBacklog(em: EntityManager): Promise<number> {
  const [row] = await queryRows<{ count: string }>(
    em,
    'SELECT count(*) AS count FROM outbox WHERE published_at IS NULL',
  );
  return Number(row?.count ?? 0);
}

class Migration20261121000000Outbox extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE IF NOT EXISTS outbox (
      seq bigserial PRIMARY KEY,
      id uuid UNIQUE NOT NULL,
      topic text NOT NULL,
      key text NOT NULL,
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz NULL,
      attempts int NOT NULL DEFAULT 0,
      last_error text NULL
    )`);
    // The relay only ever reads the pending head; published rows stay out of this index.
    this.addSql(
      'CREATE INDEX IF NOT EXISTS outbox_pending_idx ON outbox (seq) WHERE published_at IS NULL',
    );
  }

  override down(): void {
    this.addSql('DROP TABLE IF EXISTS outbox');
  }
}

/** List it (with inboxMigration) first in every service's migrations. */
export const outboxMigration: MigrationObject = {
  name: 'Migration20261121000000Outbox',
  class: Migration20261121000000Outbox,
};

/**
 * Deletes published rows older than the retention, in bounded batches so no
 * single statement holds locks for long; returns how many went. Pending rows
 * are never touched.
 */
export async function pruneOutbox(
  em: EntityManager,
  retentionMs: number,
  batchSize = 5_000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await executeSql(
      em,
      `DELETE FROM outbox WHERE seq IN (
         SELECT seq FROM outbox
         WHERE published_at < now() - make_interval(secs => ?)
         ORDER BY seq LIMIT ?
       )`,
      [retentionMs / 1000, batchSize],
    );
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
