/**
 * The event backbone: record events in the business transaction (outbox),
 * publish them (relay), and consume them exactly once in effect (inbox),
 * with retries and dead letters. Services list `outboxMigration` and
 * `inboxMigration` first in their migrations.
 */
export {
  recordEvent,
  recordEvents,
  buildEnvelope,
  outboxBacklog,
  pruneOutbox,
  outboxMigration,
  InvalidEventError,
  OUTBOX_CHANNEL,
  type NewEvent,
} from './outbox.js';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.js';
export {
  createConsumer,
  type ConsumerOptions,
  type ChunkHandler,
  type ChunkHandlers,
  type ChunkLocker,
  type ConsumerStats,
  type EventConsumer,
  type EventHandler,
  type EventHandlers,
  type PartitionLag,
} from './consumer.js';
export { traceOf } from './event-handling.js';
export { inboxMigration, claimInbox, pruneInbox } from './inbox.js';
export { queryRows, executeSql } from './sql.js';
export { deadLetterTopic, DLQ_HEADERS, type DeadLetterReason } from './dead-letter.js';
export * from './contracts.js';
