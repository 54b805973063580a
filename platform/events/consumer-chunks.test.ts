import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migration } from '@mikro-orm/migrations';
import { Partitioners, type Producer } from 'kafkajs';
import { uuidv7 } from '../ids.js';
import type { MigrationObject } from '../db.js';
import { buildEnvelope, type NewEvent } from './outbox.js';
import { createConsumer, type EventConsumer } from './consumer.js';
import type { EventEnvelope } from './contracts.js';
import { executeSql, queryRows } from './sql.js';
import { createTestBed, waitUntil, type TestBed } from './test-support.js';

/**
 * A consumer that handles several events per transaction
 * (`eventsPerTransaction`): still exactly once each, and a chunk whose
 * handler fails is rolled back and handled one event at a time. With a chunk
 * handler (`chunkHandlers`), the events of a chunk that all have keys of
 * their own reach it together; events sharing a key still go one by one, in
 * order. A chunk locker (`lockChunk`) sees a chunk's new events before any
 * of its handlers.
 */

class EffectsTable extends Migration {
  override up(): void {
    this.addSql(
      "CREATE TABLE effects (order_id uuid NOT NULL, seq serial, via text NOT NULL DEFAULT 'one', tx bigint NOT NULL)",
    );
  }
}
const effectsMigration: MigrationObject = { name: 'Migration1Effects', class: EffectsTable };

let bed: TestBed;
let consumer: EventConsumer | null = null;
let chunkConsumer: EventConsumer | null = null;
let producer: Producer;
const failuresFor = new Map<string, number>();
const calls = new Map<string, number>();
/** Sizes of the chunks the chunk handler was given, and the orders whose chunk is to fail. */
const chunkSizes: number[] = [];
const failChunksWith = new Set<string>();
/** What the chunk locker and the chunk handler saw, in the order they ran, with their transaction. */
const chunkLog: string[] = [];
const logChunk = async (step: string, events: Rejected[], em: Parameters<typeof queryRows>[0]) => {
  const [row] = await queryRows<{ tx: string }>(em, 'SELECT txid_current()::text AS tx');
  const ids = events.map((e) => e.data.orderId).sort();
  chunkLog.push(`${step} ${row!.tx} ${ids.join(',')}`);
};

function reserved(orderId: string): NewEvent<'inventory.reserved'> {
  return {
    type: 'inventory.reserved',
    aggregateId: orderId,
    aggregateVersion: 1,
    data: { orderId },
  };
}

function startConsumer(): Promise<void> {
  consumer = createConsumer(bed.runtime, {
    groupSuffix: '-chunks',
    eventsPerTransaction: 8,
    handlers: {
      'inventory.reserved': async (event, em) => {
        const { orderId } = event.data;
        const call = (calls.get(orderId) ?? 0) + 1;
        calls.set(orderId, call);
        // Which transaction wrote it, to see events share one.
        await executeSql(em, 'INSERT INTO effects (order_id, tx) VALUES (?, txid_current())', [
          orderId,
        ]);
        if (call <= (failuresFor.get(orderId) ?? 0)) throw new Error(`simulated failure ${call}`);
      },
    },
  });
  return consumer.start();
}

async function publish(key: string, values: string[]): Promise<void> {
  await producer.send({
    topic: bed.topic('inventory'),
    messages: values.map((value) => ({ key, value })),
  });
}

type Rejected = EventEnvelope<'inventory.rejected'>;

function rejected(orderId: string): Rejected {
  return buildEnvelope({
    type: 'inventory.rejected',
    aggregateId: orderId,
    aggregateVersion: 1,
    data: { orderId, shortages: [] },
  });
}

async function record(em: Parameters<typeof executeSql>[0], orderId: string, via: string) {
  await executeSql(em, 'INSERT INTO effects (order_id, via, tx) VALUES (?, ?, txid_current())', [
    orderId,
    via,
  ]);
}

function startChunkConsumer(): Promise<void> {
  chunkConsumer = createConsumer(bed.runtime, {
    groupSuffix: '-chunk-handlers',
    eventsPerTransaction: 8,
    handlers: {
      'inventory.rejected': (event, em) => record(em, event.data.orderId, 'one'),
    },
    chunkHandlers: {
      'inventory.rejected': async (events, em) => {
        chunkSizes.push(events.length);
        await logChunk('handle', events, em);
        for (const event of events) await record(em, event.data.orderId, 'chunk');
        if (events.some((e) => failChunksWith.has(e.data.orderId))) {
          throw new Error('simulated chunk failure');
        }
      },
    },
    lockChunk: (events, em) => logChunk('lock', events as Rejected[], em),
  });
  return chunkConsumer.start();
}

/** Sends the events to one partition in one request, so they arrive in one batch. */
async function publishToOne(events: Array<{ key: string; event: Rejected }>): Promise<void> {
  await producer.send({
    topic: bed.topic('inventory'),
    messages: events.map(({ key, event }) => ({ key, value: JSON.stringify(event), partition: 0 })),
  });
}

async function effects(orderIds: string[]) {
  return queryRows<{ order_id: string; via: string; tx: string }>(
    bed.orm.em.fork(),
    'SELECT order_id::text, via, tx::text FROM effects WHERE order_id IN (?) ORDER BY seq',
    [orderIds],
  );
}

beforeAll(async () => {
  bed = await createTestBed([effectsMigration]);
  producer = bed.kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
});

afterAll(async () => {
  await consumer?.stop();
  await chunkConsumer?.stop();
  await producer?.disconnect();
  await bed?.close();
});

describe('event consumer with several events per transaction', () => {
  it('handles a batch in shared transactions, each event exactly once, a duplicate not at all', async () => {
    const orderIds = Array.from({ length: 12 }, () => uuidv7());
    const values = orderIds.map((id) => JSON.stringify(buildEnvelope(reserved(id))));
    // One key: one partition, one batch (the consumer starts after they are all there).
    await publish('batch', [...values, values[3]!]);
    await startConsumer();
    await waitUntil(async () => (await effects(orderIds)).length === 12, 15_000, 'the effects');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const rows = await effects(orderIds);
    expect(rows.map((r) => r.order_id).sort()).toEqual([...orderIds].sort());
    expect(new Set(rows.map((r) => r.tx)).size).toBeLessThan(orderIds.length);
    expect(consumer!.stats()).toMatchObject({ handled: 12, duplicates: 1 });
  });

  it('rolls a chunk back when one handler fails, then handles its events one by one', async () => {
    const orderIds = Array.from({ length: 6 }, () => uuidv7());
    const failing = orderIds[2]!;
    failuresFor.set(failing, 2);
    const before = consumer!.stats();
    await publish(
      'rollback',
      orderIds.map((id) => JSON.stringify(buildEnvelope(reserved(id)))),
    );
    await waitUntil(async () => (await effects(orderIds)).length === 6, 15_000, 'the effects');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const rows = await effects(orderIds);
    expect(rows.map((r) => r.order_id).sort()).toEqual([...orderIds].sort());
    // First call in the chunk, then alone: one failure, then success.
    expect(calls.get(failing)).toBe(3);
    expect(consumer!.stats().handled).toBe(before.handled + 6);
    expect(consumer!.stats().deadLettered).toBe(before.deadLettered);
  });
});

describe('event consumer with a chunk handler', () => {
  it('hands the events of a chunk with keys of their own to the chunk handler together, once each', async () => {
    const orderIds = Array.from({ length: 8 }, () => uuidv7());
    const events = orderIds.map((id) => ({ key: id, event: rejected(id) }));
    // A redelivery of the first in the same batch: handled once.
    await publishToOne([...events, events[0]!]);
    await startChunkConsumer();
    await waitUntil(async () => (await effects(orderIds)).length === 8, 15_000, 'the effects');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const rows = await effects(orderIds);
    expect(rows.map((r) => r.order_id).sort()).toEqual([...orderIds].sort());
    // Lanes split the batch by key, and a lane may hold a single event
    // (handled alone): several went to the chunk handler together.
    expect(Math.max(...chunkSizes)).toBeGreaterThan(1);
    expect(rows.filter((r) => r.via === 'chunk').length).toBeGreaterThan(1);
    expect(chunkConsumer!.stats()).toMatchObject({ handled: 8, duplicates: 1 });
    // The locker saw each chunk's new events first, in the chunk's transaction
    // (lanes run side by side, so other chunks' lines may come in between).
    const handled = chunkLog.filter((line) => line.startsWith('handle'));
    expect(handled.length).toBeGreaterThan(0);
    for (const line of handled) {
      const locked = chunkLog.indexOf(line.replace('handle', 'lock'));
      expect(locked).toBeGreaterThanOrEqual(0);
      expect(locked).toBeLessThan(chunkLog.indexOf(line));
    }
  });

  it('hands events that share a key to the event handler one by one, in order', async () => {
    const [a, b] = [uuidv7(), uuidv7()];
    const chunksBefore = chunkSizes.length;
    // Two events of aggregate "a" around one of "b": a chunk where keys repeat.
    await publishToOne([
      { key: 'a', event: rejected(a) },
      { key: 'b', event: rejected(b) },
      { key: 'a', event: rejected(a) },
    ]);
    await waitUntil(async () => (await effects([a, b])).length === 3, 15_000, 'the effects');

    const rows = await effects([a, b]);
    expect(rows.map((r) => [r.order_id, r.via])).toEqual([
      [a, 'one'],
      [b, 'one'],
      [a, 'one'],
    ]);
    expect(chunkSizes.length).toBe(chunksBefore);
  });

  it('rolls back a chunk whose handler fails and handles its events one by one', async () => {
    const orderIds = Array.from({ length: 4 }, () => uuidv7());
    failChunksWith.add(orderIds[1]!);
    const before = chunkConsumer!.stats();
    await publishToOne(orderIds.map((id) => ({ key: id, event: rejected(id) })));
    await waitUntil(async () => (await effects(orderIds)).length === 4, 15_000, 'the effects');
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The chunk's own rows rolled back with it: each event once, by its event handler.
    const rows = await effects(orderIds);
    expect(rows.map((r) => r.order_id).sort()).toEqual([...orderIds].sort());
    expect(rows.every((r) => r.via === 'one')).toBe(true);
    expect(chunkConsumer!.stats()).toMatchObject({
      handled: before.handled + 4,
      deadLettered: before.deadLettered,
    });
  });
});
