import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';
import type { EventEnvelope } from '../../platform/events/contracts.js';
import './provided.js';

/**
 * Reads a domain's topic of the test run from the beginning until `match`
 * finds an event (or the timeout passes), as an independent consumer would.
 */
export async function findEvent(
  domain: string,
  match: (event: EventEnvelope) => boolean,
  timeoutMs = 10_000,
): Promise<EventEnvelope | null> {
  const env = inject('testEnv');
  const kafka = new Kafka({
    clientId: 'test-reader',
    brokers: env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `${env.KAFKA_TOPIC_PREFIX}reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({
      topic: `${env.KAFKA_TOPIC_PREFIX}${domain}.events`,
      fromBeginning: true,
    });
    return await new Promise<EventEnvelope | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const event = JSON.parse(message.value?.toString() ?? 'null') as EventEnvelope | null;
          if (event && match(event)) {
            clearTimeout(timer);
            resolve(event);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}
