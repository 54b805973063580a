import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { runWithTrace } from '../context.js';
import { uuidv7 } from '../ids.js';
import { parseEnvelope, type EventEnvelope } from './contracts.js';
import { InvalidEventError, recordEvent, recordEvents, type NewEvent } from './outbox.js';
import { createOutboxRelay, RELAY_LOCK_KEY, type OutboxRelay } from './relay.js';
import { queryRows } from './sql.js';
import { sleep } from './retry.js';
import {
  collect,
  createTestBed,
  percentile,
  waitUntil,
  type Collector,
  type TestBed,
} from './test-support.js';

let bed: TestBed;
let relay: OutboxRelay;
let received: Collector;

beforeAll(async () => {
  bed = await createTestBed();
  received = await collect(
    bed.kafka,
    [bed.topic('inventory'), bed.topic('payment')],
    `${bed.prefix}relay-test-reader`,
  );
  relay = createOutboxRelay(bed.runtime);
  await relay.start();
});

afterAll(async () => {
  await relay?.stop();
  await received?.stop();
  await bed?.close();
});

function reserved(orderId: string): NewEvent<'inventory.reserved'> {
  return {
    type: 'inventory.reserved',
    aggregateId: orderId,
    aggregateVersion: 1,
    data: { orderId },
  };
}

function adjusted(productId: string, version: number): NewEvent<'inventory.adjusted'> {
  return {
    type: 'inventory.adjusted',
    aggregateId: productId,
    aggregateVersion: version,
    data: { productId, onHand: version, reserved: 0 },
  };
}

/** Records events in one committed transaction, as a service's mutation would. */
async function commit(...events: NewEvent<'inventory.reserved' | 'inventory.adjusted'>[]) {
  return bed.orm.em.fork().transactional(async (tx) => {
    const envelopes: EventEnvelope[] = [];
    for (const event of events) envelopes.push(await recordEvent(tx, event));
    return envelopes;
  });
}

async function outboxRow(id: string) {
  const [row] = await queryRows<{
    published_at: Date | null;
    attempts: number;
    last_error: string | null;
  }>(bed.orm.em.fork(), 'SELECT published_at, attempts, last_error FROM outbox WHERE id = ?', [id]);
  return row;
}

describe('outbox relay', () => {
  it('publishes an event recorded in a committed transaction, keyed by its aggregate id, as a valid envelope', async () => {
    const orderId = uuidv7();
    const [envelope] = await runWithTrace('trace0committed', () => commit(reserved(orderId)));

    const [message] = await received.waitFor((m) => m.key === orderId);
    expect(message?.topic).toBe(bed.topic('inventory'));
    expect(message?.headers).toEqual({
      'event-type': 'inventory.reserved',
      'trace-id': 'trace0committed',
    });
    const published = parseEnvelope(message?.value ?? null);
    expect(published).toEqual(envelope);
    expect(published.traceId).toBe('trace0committed');
    await waitUntil(async () => (await outboxRow(published.id))?.published_at != null);
  });

  it('never publishes an event recorded in a transaction that rolls back', async () => {
    const rolledBack = uuidv7();
    await expect(
      bed.orm.em.fork().transactional(async (tx) => {
        await recordEvent(tx, reserved(rolledBack));
        throw new Error('the business rule refused the change');
      }),
    ).rejects.toThrow('business rule');

    // A later event on the same topic: once it is out, the relay has been past the point.
    const later = uuidv7();
    await commit(reserved(later));
    await received.waitFor((m) => m.key === later);
    await sleep(200);
    expect(received.messages.filter((m) => m.key === rolledBack)).toEqual([]);
    const rows = await queryRows(bed.orm.em.fork(), 'SELECT 1 FROM outbox WHERE key = ?', [
      rolledBack,
    ]);
    expect(rows).toEqual([]);
  });

  it('refuses an event that breaks its contract or is recorded outside a transaction', async () => {
    const broken = {
      ...reserved(uuidv7()),
      data: { orderId: 'not-a-uuid' },
    } as NewEvent<'inventory.reserved'>;
    await expect(bed.orm.em.fork().transactional((tx) => recordEvent(tx, broken))).rejects.toThrow(
      InvalidEventError,
    );
    await expect(recordEvent(bed.orm.em.fork(), reserved(uuidv7()))).rejects.toThrow(
      /em\.transactional/,
    );
  });

  it('records several events in one statement, in the order given, each with its own trace, or none if one is invalid', async () => {
    const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
    const envelopes = await runWithTrace('trace0running', () =>
      bed.orm.em
        .fork()
        .transactional((tx) =>
          recordEvents(tx, [
            { ...reserved(a), traceId: 'trace0first' },
            reserved(b),
            { ...reserved(c), traceId: null },
          ]),
        ),
    );
    expect(envelopes.map((e) => [e.aggregateId, e.traceId])).toEqual([
      [a, 'trace0first'],
      [b, 'trace0running'],
      [c, null],
    ]);
    const rows = await queryRows<{ key: string }>(
      bed.orm.em.fork(),
      'SELECT key FROM outbox WHERE key IN (?) ORDER BY seq',
      [[a, b, c]],
    );
    expect(rows.map((r) => r.key)).toEqual([a, b, c]);
    const published = await received.waitFor((m) => m.key === c);
    expect(parseEnvelope(published[0]?.value ?? null)).toEqual(envelopes[2]);

    const fine = uuidv7();
    const broken = {
      ...reserved(uuidv7()),
      data: { orderId: 'x' },
    } as NewEvent<'inventory.reserved'>;
    await expect(
      bed.orm.em.fork().transactional((tx) => recordEvents(tx, [reserved(fine), broken])),
    ).rejects.toThrow(InvalidEventError);
    expect(
      await queryRows(bed.orm.em.fork(), 'SELECT 1 FROM outbox WHERE key = ?', [fine]),
    ).toEqual([]);
  });

  it('publishes, once a relay runs again, what was committed while none ran or while one died mid-batch', async () => {
    await relay.stop();
    const orderId = uuidv7();
    const [envelope] = await commit(reserved(orderId));
    await sleep(600);
    expect(received.messages.some((m) => m.key === orderId)).toBe(false);
    expect(await relay.outboxBacklog()).toBe(1);

    // A relay process that died after claiming the row: its session still holds
    // the locks until PostgreSQL notices the connection is gone.
    const dying = new pg.Client({ connectionString: bed.databaseUrl });
    dying.on('error', () => undefined);
    await dying.connect();
    const { rows } = await dying.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await dying.query('BEGIN');
    await dying.query('SELECT pg_advisory_xact_lock($1)', [RELAY_LOCK_KEY]);
    await dying.query('SELECT seq FROM outbox WHERE published_at IS NULL FOR UPDATE');

    relay = createOutboxRelay(bed.runtime);
    await relay.start();
    await sleep(600);
    expect(received.messages.some((m) => m.key === orderId)).toBe(false);

    await queryRows(bed.orm.em.fork(), 'SELECT pg_terminate_backend(?)', [rows[0]?.pid]);
    const [message] = await received.waitFor((m) => m.key === orderId);
    expect(parseEnvelope(message?.value ?? null).id).toBe(envelope?.id);
    await waitUntil(async () => (await relay.outboxBacklog()) === 0);
  });

  it('keeps events pending, with attempts and the last error, while Kafka is unreachable, and publishes them when it is back', async () => {
    await relay.stop();
    const unreachable = new Kafka({
      clientId: 'unreachable',
      brokers: ['127.0.0.1:1'],
      connectionTimeout: 300,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const cutOff = createOutboxRelay({ ...bed.runtime, kafka: unreachable });
    await cutOff.start();
    const orderId = uuidv7();
    const [envelope] = await commit(reserved(orderId));
    const id = envelope?.id ?? '';
    await waitUntil(async () => ((await outboxRow(id))?.attempts ?? 0) >= 2, 10_000, 'attempts');
    const pending = await outboxRow(id);
    expect(pending?.published_at).toBeNull();
    expect(pending?.last_error).toMatch(/ECONNREFUSED|connect/i);
    await cutOff.stop();

    relay = createOutboxRelay(bed.runtime);
    await relay.start();
    await received.waitFor((m) => m.key === orderId);
    await waitUntil(async () => (await outboxRow(id))?.published_at != null);
  });

  it('publishes every row when two relays run at once, duplicates rare, each aggregate in order', async () => {
    const products = Array.from({ length: 10 }, () => uuidv7());
    const perProduct = 20;
    // Ten writers at once, each committing its product's events one by one.
    const write = (from: number, to: number) =>
      Promise.all(
        products.map(async (productId) => {
          const written: string[] = [];
          for (let version = from; version <= to; version++) {
            const [envelope] = await commit(adjusted(productId, version));
            written.push(envelope?.id ?? '');
          }
          return written;
        }),
      );

    // A backlog first, so both relays find plenty to claim the moment they
    // start; small batches make them contend for it, and writes go on meanwhile.
    await relay.stop();
    const backlog = (await write(1, perProduct / 2)).flat();
    relay = createOutboxRelay(bed.runtime, { batchSize: 7 });
    const second = createOutboxRelay(bed.runtime, { batchSize: 7 });
    let ids: string[];
    try {
      await Promise.all([relay.start(), second.start()]);
      ids = [...backlog, ...(await write(perProduct / 2 + 1, perProduct)).flat()];
      const mine = new Set(products);
      await received.waitFor((m) => mine.has(m.key ?? ''), ids.length);
      await sleep(300); // let any late duplicate arrive before counting
    } finally {
      await second.stop();
    }

    const mine = new Set(products);
    const seen = received.messages
      .filter((m) => mine.has(m.key ?? ''))
      .map((m) => parseEnvelope(m.value));
    const distinct = new Set(seen.map((e) => e.id));
    expect([...distinct].sort()).toEqual([...ids].sort());
    const duplicates = seen.length - distinct.size;
    process.stdout.write(`two relays: ${ids.length} events, ${duplicates} duplicates\n`);
    expect(duplicates / ids.length).toBeLessThanOrEqual(0.01);

    // Kafka order within each aggregate (one partition), first deliveries only.
    for (const productId of products) {
      const versions: number[] = [];
      const once = new Set<string>();
      for (const event of seen.filter((e) => e.aggregateId === productId)) {
        if (once.has(event.id)) continue;
        once.add(event.id);
        versions.push(event.aggregateVersion);
      }
      expect(versions).toEqual(Array.from({ length: perProduct }, (_, i) => i + 1));
    }
  });

  it('publishes one aggregate’s events in the order their transactions committed', async () => {
    const productId = uuidv7();
    const committed: number[] = [];
    // Concurrent transactions on one aggregate, each holding on a random while
    // after recording: insertion and commit order would differ without the
    // per-aggregate lock in recordEvent.
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const version = i + 1;
        await bed.orm.em.fork().transactional(async (tx) => {
          await recordEvent(tx, adjusted(productId, version));
          await sleep(Math.random() * 30);
        });
        committed.push(version);
      }),
    );
    const messages = await received.waitFor((m) => m.key === productId, 8);
    expect(messages.map((m) => parseEnvelope(m.value).aggregateVersion)).toEqual(committed);
  });

  it('publishes a row that committed after rows with higher seq, before its aggregate’s later events', async () => {
    const [slow, other] = [uuidv7(), uuidv7()];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let recorded!: () => void;
    const inserted = new Promise<void>((resolve) => (recorded = resolve));
    // Draws its seq first, commits last.
    const straggler = bed.orm.em.fork().transactional(async (tx) => {
      await recordEvent(tx, adjusted(slow, 1));
      recorded();
      await held;
    });
    await inserted;
    await commit(reserved(other));
    await received.waitFor((m) => m.key === other);
    release();
    await straggler;
    // The aggregate's next event waited for the straggler's lock, so its seq is higher still.
    await commit(adjusted(slow, 2));

    const messages = await received.waitFor((m) => m.key === slow, 2);
    expect(messages.map((m) => parseEnvelope(m.value).aggregateVersion)).toEqual([1, 2]);
  });

  it('publishes within tens of milliseconds of the commit', async () => {
    const toPublish: number[] = [];
    const toReceive: number[] = [];
    for (let i = 0; i < 40; i++) {
      const orderId = uuidv7();
      await commit(reserved(orderId));
      const committedAt = Date.now();
      const [message] = await received.waitFor((m) => m.key === orderId, 1, 5_000);
      toPublish.push((message?.timestamp ?? NaN) - committedAt);
      toReceive.push((message?.receivedAt ?? NaN) - committedAt);
    }
    const p50 = percentile(toPublish, 50);
    process.stdout.write(
      `commit→publish p50 ${p50} ms, p95 ${percentile(toPublish, 95)} ms; ` +
        `commit→consumed p50 ${percentile(toReceive, 50)} ms, p95 ${percentile(toReceive, 95)} ms\n`,
    );
    // The target is 20 ms; the bound leaves room for a machine shared with other test runs.
    expect(p50).toBeLessThan(50);
  });
});
