import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../ids.js';
import { executeSql, queryRows } from './sql.js';
import { createTestBed, type TestBed } from './test-support.js';

let bed: TestBed;

beforeAll(async () => {
  bed = await createTestBed();
});

afterAll(async () => {
  await bed?.close();
});

const inboxRows = (eventId: string) =>
  queryRows<{ type: string }>(bed.orm.em.fork(), 'SELECT type FROM inbox WHERE event_id = ?', [
    eventId,
  ]);

describe('raw SQL on the entity manager', () => {
  it('runs inside the caller transaction: its writes are seen there and rolled back with it', async () => {
    const eventId = uuidv7();
    await expect(
      bed.orm.em.fork().transactional(async (em) => {
        const inserted = await executeSql(
          em,
          'INSERT INTO inbox (consumer, event_id, type) VALUES (?, ?, ?)',
          ['sql-test', eventId, 'order.placed'],
        );
        expect(inserted).toBe(1);
        expect(await queryRows(em, 'SELECT type FROM inbox WHERE event_id = ?', [eventId])).toEqual(
          [{ type: 'order.placed' }],
        );
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await inboxRows(eventId)).toEqual([]);
  });

  it('commits with the caller transaction', async () => {
    const eventId = uuidv7();
    await bed.orm.em
      .fork()
      .transactional((em) =>
        executeSql(em, 'INSERT INTO inbox (consumer, event_id, type) VALUES (?, ?, ?)', [
          'sql-test',
          eventId,
          'order.confirmed',
        ]),
      );
    expect(await inboxRows(eventId)).toEqual([{ type: 'order.confirmed' }]);
  });

  it('outside a transaction borrows a pooled connection and gives it back', async () => {
    // Far more statements than the pool has connections, one after another and at once:
    // a connection not given back would make these wait forever.
    for (let i = 0; i < 40; i += 1) {
      expect(await queryRows(bed.orm.em.fork(), 'SELECT ?::int AS n', [i])).toEqual([{ n: i }]);
    }
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => queryRows(bed.orm.em.fork(), 'SELECT ?::int AS n', [i])),
    );
    expect(answers.map((rows) => rows[0])).toEqual(Array.from({ length: 40 }, (_, n) => ({ n })));
  });

  it('passes values unchanged, whatever characters they hold, and arrays as lists', async () => {
    const tricky = `O'Brien? said "\\ $1 ?? --`;
    const em = bed.orm.em.fork();
    expect(
      await queryRows(em, 'SELECT ?::text AS v, ?::text IS NULL AS missing', [tricky, null]),
    ).toEqual([{ v: tricky, missing: true }]);
    expect(await queryRows(em, 'SELECT ?::text IS NULL AS missing', [undefined])).toEqual([
      { missing: true },
    ]);
    const rows = await queryRows<{ v: string }>(
      em,
      'SELECT v FROM unnest(ARRAY[?]::text[]) AS v WHERE v <> ? ORDER BY v',
      [[tricky, 'plain', 'skip'], 'skip'],
    );
    expect(rows.map((row) => row.v)).toEqual([tricky, 'plain'].sort());
  });

  it('answers IN lists as before, for any length and for none, NOT IN included', async () => {
    const em = bed.orm.em.fork();
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    for (const [n, id] of ids.entries()) {
      await executeSql(em, 'INSERT INTO inbox (consumer, event_id, type) VALUES (?, ?, ?)', [
        'in-list',
        id,
        `type-${n}`,
      ]);
    }
    const types = async (sql: string, values: unknown[]) =>
      (await queryRows<{ type: string }>(em, sql, values)).map((row) => row.type);
    const select = 'SELECT type FROM inbox WHERE consumer = ? AND event_id';
    expect(await types(`${select} IN (?) ORDER BY type`, ['in-list', ids])).toEqual([
      'type-0',
      'type-1',
      'type-2',
    ]);
    expect(await types(`${select} IN (?)`, ['in-list', [ids[1]]])).toEqual(['type-1']);
    expect(await types(`${select} IN (?)`, ['in-list', []])).toEqual([]);
    expect(await types(`${select} NOT IN (?) ORDER BY type`, ['in-list', [ids[1]]])).toEqual([
      'type-0',
      'type-2',
    ]);
  });

  it('prepares each statement once per connection', async () => {
    await bed.orm.em.fork().transactional(async (em) => {
      for (let i = 0; i < 3; i += 1) {
        await queryRows(em, 'SELECT count(*) AS n FROM inbox WHERE consumer = ?', ['prepared']);
      }
      const prepared = await queryRows<{ n: string }>(
        em,
        `SELECT count(*) AS n FROM pg_prepared_statements
          WHERE statement = 'SELECT count(*) AS n FROM inbox WHERE consumer = $1'`,
      );
      expect(prepared).toEqual([{ n: '1' }]);
      // An IN list is one array parameter: one statement whatever its length.
      for (const ids of [[uuidv7()], [uuidv7(), uuidv7()]]) {
        await queryRows(em, 'SELECT type FROM inbox WHERE event_id IN (?)', [ids]);
      }
      const lists = await queryRows<{ statement: string }>(
        em,
        `SELECT statement FROM pg_prepared_statements
          WHERE statement LIKE 'SELECT type FROM inbox WHERE event_id = ANY%'`,
      );
      expect(lists).toEqual([{ statement: 'SELECT type FROM inbox WHERE event_id = ANY($1)' }]);
    });
  });

  it("fails with the database's error, code included", async () => {
    const eventId = uuidv7();
    const insert = () =>
      executeSql(
        bed.orm.em.fork(),
        'INSERT INTO inbox (consumer, event_id, type) VALUES (?, ?, ?)',
        ['sql-test', eventId, 'order.placed'],
      );
    await insert();
    await expect(insert()).rejects.toMatchObject({ code: '23505' });
  });
});
