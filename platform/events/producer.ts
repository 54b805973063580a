import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * The producer configuration for events: one request in flight and acks=all
 * (-1) on every send. The relay's producer is idempotent, so a retried send
 * neither duplicates nor reorders within a partition. The dead-letter
 * producer is not (`idempotent: false`): order and the odd duplicate do not
 * matter there, and it spares a second kafkajs warning.
 *
 * Retries are bounded on purpose: the caller owns the outage (it keeps rows
 * pending and backs off), so a send must fail within seconds instead of
 * retrying forever while holding the outbox lock. kafkajs warns once per
 * idempotent producer that bounded retries weaken its guarantee; the outbox
 * and the inbox cover that (a resend after a failed send may duplicate, and
 * consumers deduplicate).
 */
export function createEventProducer(kafka: Kafka, { idempotent = true } = {}): Producer {
  return kafka.producer({
    idempotent,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java client's murmur2 partitioner: a key lands where any other client would put it.
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** Acknowledged by every in-sync replica before a send resolves. */
export const ACKS_ALL = -1;
