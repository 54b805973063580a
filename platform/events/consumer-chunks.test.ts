import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migration } from '@mikro-orm/migrations';
import { Partitioners, type Producer } from 'kafkajs';
import { uuidv7 } from '../ids.js';
import type { MigrationObject } from '../db.js';
import { buildEnvelope, type NewEvent } from './outbox.js';
import { createConsumer, type EventConsumer } from './consumer.js';
import { executeSql, queryRows } from './sql.js';
import { createTestBed, waitUntil, type TestBed } from './test-support.js';

/**
 * A consumer that handles several events per transaction
 * (`eventsPerTransaction`): still exactly once each, and a chunk whose
 * handler fails is rolled back and handled one event at a time.
 */

class EffectsTable extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE effects (order_id uuid NOT NULL, tx bigint NOT NULL)');
  }
}
const effectsMigration: MigrationObject = { name: 'Migration1Effects', class: EffectsTable };

let bed: TestBed;
let consumer: EventConsumer | null = null;
let producer: Producer;
const failuresFor = new Map<string, number>();
const calls = new Map<string, number>();

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

async function effects(orderIds: string[]) {
  return queryRows<{ order_id: string; tx: string }>(
    bed.orm.em.fork(),
    'SELECT order_id::text, tx::text FROM effects WHERE order_id IN (?)',
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
