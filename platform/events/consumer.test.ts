import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migration } from '@mikro-orm/migrations';
import { Partitioners, type Producer } from 'kafkajs';
import { currentTraceId, runWithTrace } from '../context.js';
import { uuidv7 } from '../ids.js';
import type { MigrationObject } from '../db.js';
import { buildEnvelope, recordEvent, type NewEvent } from './outbox.js';
import { createConsumer, type EventConsumer } from './consumer.js';
import { createOutboxRelay, type OutboxRelay } from './relay.js';
import { DLQ_HEADERS, deadLetterTopic } from './dead-letter.js';
import { executeSql, queryRows } from './sql.js';
import { collect, createTestBed, waitUntil, type Collector, type TestBed } from './test-support.js';

/** The effect the test handler writes: one row per handling, in the handler's transaction. */
class EffectsTable extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE effects (event_id uuid NOT NULL, order_id uuid NOT NULL)');
  }
}
const effectsMigration: MigrationObject = { name: 'Migration1Effects', class: EffectsTable };

let bed: TestBed;
let consumer: EventConsumer;
let producer: Producer;
let deadLetters: Collector;

/** Per order id: how many times the handler should fail before it succeeds. */
const failuresFor = new Map<string, number>();
const calls = new Map<string, number>();
const traces = new Map<string, string | undefined>();

beforeAll(async () => {
  bed = await createTestBed([effectsMigration]);
  consumer = createConsumer(bed.runtime, {
    handlers: {
      'inventory.reserved': async (event, em) => {
        const { orderId } = event.data;
        const call = (calls.get(orderId) ?? 0) + 1;
        calls.set(orderId, call);
        traces.set(orderId, currentTraceId());
        // Written before failing, to show a failed attempt leaves nothing behind.
        await executeSql(em, 'INSERT INTO effects (event_id, order_id) VALUES (?, ?)', [
          event.id,
          orderId,
        ]);
        if (call <= (failuresFor.get(orderId) ?? 0)) throw new Error(`simulated failure ${call}`);
      },
    },
  });
  await consumer.start();
  producer = bed.kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  deadLetters = await collect(
    bed.kafka,
    [deadLetterTopic(bed.topic('inventory'))],
    `${bed.prefix}dlq-reader`,
  );
});

afterAll(async () => {
  await consumer?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
  await bed?.close();
});

function reserved(orderId: string, aggregateId = orderId): NewEvent<'inventory.reserved'> {
  return { type: 'inventory.reserved', aggregateId, aggregateVersion: 1, data: { orderId } };
}

/** Publishes raw values straight to the inventory topic, one key (so one partition, in order). */
async function publish(key: string, ...values: string[]): Promise<void> {
  await producer.send({
    topic: bed.topic('inventory'),
    messages: values.map((value) => ({ key, value })),
  });
}

async function effectsOf(orderId: string): Promise<number> {
  const rows = await queryRows(bed.orm.em.fork(), 'SELECT 1 FROM effects WHERE order_id = ?', [
    orderId,
  ]);
  return rows.length;
}

describe('event consumer', () => {
  it('applies an event delivered twice only once', async () => {
    const orderId = uuidv7();
    const value = JSON.stringify(buildEnvelope(reserved(orderId)));
    const before = consumer.stats();
    await publish(orderId, value, value);
    await waitUntil(
      () => consumer.stats().duplicates > before.duplicates,
      10_000,
      'the redelivery',
    );
    expect(await effectsOf(orderId)).toBe(1);
    expect(calls.get(orderId)).toBe(1);
    expect(consumer.stats().handled).toBe(before.handled + 1);
  });

  it('retries a handler that fails for a while, then applies the event once', async () => {
    const orderId = uuidv7();
    failuresFor.set(orderId, 2);
    await publish(orderId, JSON.stringify(buildEnvelope(reserved(orderId))));
    await waitUntil(async () => (await effectsOf(orderId)) === 1, 10_000, 'the effect');
    expect(calls.get(orderId)).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await effectsOf(orderId)).toBe(1);
    expect(deadLetters.messages.some((m) => m.key === orderId)).toBe(false);
  });

  it('keeps handling other partitions while an event waits for its next attempt', async () => {
    const failing = uuidv7();
    const other = uuidv7();
    failuresFor.set(failing, 4); // retried after 100, 200, 400 and 800 ms
    const send = (orderId: string, partition: number) =>
      producer.send({
        topic: bed.topic('inventory'),
        messages: [
          { key: orderId, partition, value: JSON.stringify(buildEnvelope(reserved(orderId))) },
        ],
      });
    await send(failing, 0);
    await waitUntil(() => (calls.get(failing) ?? 0) >= 1, 10_000, 'the first failure');
    await send(other, 1);
    await waitUntil(async () => (await effectsOf(other)) === 1, 10_000, 'the other event');
    // Handled while the failing one still waited for its retries.
    expect(await effectsOf(failing)).toBe(0);
    await waitUntil(async () => (await effectsOf(failing)) === 1, 10_000, 'the retried event');
    expect(calls.get(failing)).toBe(5);
  });

  it('dead-letters an event whose handler keeps failing, and handles the next one on its partition', async () => {
    const failing = uuidv7();
    const next = uuidv7();
    failuresFor.set(failing, Number.POSITIVE_INFINITY);
    const doomed = buildEnvelope(reserved(failing));
    const before = consumer.stats();
    // Same key: same partition, the second behind the first.
    await publish(
      failing,
      JSON.stringify(doomed),
      JSON.stringify(buildEnvelope(reserved(next, failing))),
    );

    const [letter] = await deadLetters.waitFor((m) => m.key === failing);
    await waitUntil(async () => (await effectsOf(next)) === 1, 10_000, 'the next event');
    expect(letter?.value).toBe(JSON.stringify(doomed));
    expect(letter?.headers[DLQ_HEADERS.reason]).toBe('handler-failed');
    expect(letter?.headers[DLQ_HEADERS.error]).toContain('simulated failure 5');
    expect(letter?.headers[DLQ_HEADERS.topic]).toBe(bed.topic('inventory'));
    expect(letter?.headers[DLQ_HEADERS.attempts]).toBe('5');
    expect(letter?.headers[DLQ_HEADERS.group]).toBe(consumer.groupId);
    expect(Number(letter?.headers[DLQ_HEADERS.offset])).toBeGreaterThanOrEqual(0);
    expect(letter?.headers[DLQ_HEADERS.partition]).toMatch(/^\d+$/);
    expect(calls.get(failing)).toBe(5);
    expect(await effectsOf(failing)).toBe(0); // every failed attempt rolled back
    expect(consumer.stats().deadLettered).toBe(before.deadLettered + 1);
  });

  it('dead-letters a message that breaks its contract, skips types it does not handle, and handles the next one', async () => {
    const key = uuidv7();
    const next = uuidv7();
    const breaksContract = JSON.stringify({
      ...buildEnvelope(reserved(uuidv7(), key)),
      data: { orderId: 'not-a-uuid' },
    });
    const notAnEvent = 'this is not json';
    // A valid event of a type this consumer does not handle: skipped, not dead-lettered.
    const unhandled = JSON.stringify(
      buildEnvelope({
        type: 'inventory.released',
        aggregateId: key,
        aggregateVersion: 2,
        data: { orderId: key },
      }),
    );
    // A type from a newer build of the contracts: skipped with a warning.
    const unknownType = JSON.stringify({
      ...buildEnvelope(reserved(uuidv7(), key)),
      type: 'inventory.teleported',
    });
    const before = consumer.stats();
    await publish(
      key,
      unknownType,
      notAnEvent,
      breaksContract,
      unhandled,
      JSON.stringify(buildEnvelope(reserved(next, key))),
    );

    const letters = await deadLetters.waitFor((m) => m.key === key, 2);
    await waitUntil(async () => (await effectsOf(next)) === 1, 10_000, 'the next event');
    expect(letters.map((m) => m.value)).toEqual([notAnEvent, breaksContract]);
    expect(letters.map((m) => m.headers[DLQ_HEADERS.reason])).toEqual([
      'invalid-message',
      'invalid-message',
    ]);
    expect(letters[1]?.headers[DLQ_HEADERS.error]).toMatch(/orderId/);
    expect(consumer.stats().skipped).toBe(before.skipped + 2);
  });

  it('applies an event recorded by a producer, carrying its trace id into the handler', async () => {
    const relay: OutboxRelay = createOutboxRelay(bed.runtime);
    await relay.start();
    try {
      const orderId = uuidv7();
      await runWithTrace('trace0endtoend', () =>
        bed.orm.em.fork().transactional((tx) => recordEvent(tx, reserved(orderId))),
      );
      await waitUntil(async () => (await effectsOf(orderId)) === 1, 10_000, 'the effect');
      expect(traces.get(orderId)).toBe('trace0endtoend');
    } finally {
      await relay.stop();
    }
  });

  it('reports its lag per partition', async () => {
    const lag = consumer.lag();
    expect(lag.length).toBeGreaterThan(0);
    for (const partition of lag) {
      expect(partition.topic).toBe(bed.topic('inventory'));
      expect(partition.lag).toBe(0);
    }
  });
});
