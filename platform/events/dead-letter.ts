import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { ACKS_ALL } from './producer.js';
import { describeError } from './retry.js';

/**
 * Dead letters: a message that cannot be handled is copied, byte for byte
 * with its key, to `<topic>.dlq`, so the partition can move on and the
 * message can be inspected and replayed to the original topic once fixed.
 * Headers say what went wrong and where it came from.
 */

export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

export type DeadLetterReason =
  /** Not JSON, or breaks the envelope or its event's contract: retrying cannot help. */
  | 'invalid-message'
  /** The handler kept failing after its retries. */
  | 'handler-failed';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  groupId: string;
  reason: DeadLetterReason;
  error: unknown;
  attempts: number;
}

export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  group: 'dlq-consumer-group',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;

export async function sendToDeadLetter(producer: Producer, letter: DeadLetter): Promise<void> {
  const { message } = letter;
  const headers: IHeaders = {};
  // The original headers (event type, trace id) travel along for the replay.
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined && !name.startsWith('dlq-')) headers[name] = value;
  }
  headers[DLQ_HEADERS.reason] = letter.reason;
  headers[DLQ_HEADERS.error] = describeError(letter.error);
  headers[DLQ_HEADERS.topic] = letter.topic;
  headers[DLQ_HEADERS.partition] = String(letter.partition);
  headers[DLQ_HEADERS.offset] = message.offset;
  headers[DLQ_HEADERS.group] = letter.groupId;
  headers[DLQ_HEADERS.attempts] = String(letter.attempts);
  headers[DLQ_HEADERS.failedAt] = new Date().toISOString();
  await producer.send({
    topic: deadLetterTopic(letter.topic),
    acks: ACKS_ALL,
    messages: [{ key: message.key, value: message.value, headers }],
  });
}
