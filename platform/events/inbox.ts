import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MigrationObject } from '../db.js';
import { executeSql, queryRows } from './sql.js';

/**
 * The consumer half of exactly-once effects: the ids of handled events,
 * written in the same transaction as the handler's changes. A redelivered
 * event finds its id and changes nothing.
 *
 * Rows are keyed by consumer as well as event id: one service may run several
 * consumers (a `groupSuffix` each) that handle the same event for different
 * purposes, and one of them handling it must not make the other skip it.
 */

/**
 * Records that `consumer` handles this event, in the transaction of `tx`.
 * Returns false when it was already handled (the row exists); a concurrent
 * delivery of the same event waits here until the first one commits or rolls back.
 */
export async function claimInbox(
  tx: EntityManager,
  consumer: string,
  event: { id: string; type: string },
): Promise<boolean> {
  const inserted = await executeSql(
    tx,
    'INSERT INTO inbox (consumer, event_id, type) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    [consumer, event.id, event.type],
  );
  return inserted === 1;
}

/**
 * Like claimInbox for several events in one statement; returns the ids
 * claimed now (lower case), leaving out those handled before. An id listed
 * twice is claimed once.
 */
export async function claimInboxMany(
  tx: EntityManager,
  consumer: string,
  events: ReadonlyArray<{ id: string; type: string }>,
): Promise<Set<string>> {
  const rows = await queryRows<{ event_id: string }>(
    tx,
    `INSERT INTO inbox (consumer, event_id, type)
     SELECT ?, e.id, e.type FROM unnest(ARRAY[?]::uuid[], ARRAY[?]::text[]) AS e (id, type)
     ON CONFLICT DO NOTHING
     RETURNING event_id::text`,
    [consumer, events.map((e) => e.id), events.map((e) => e.type)],
  );
  return new Set(rows.map((row) => row.event_id.toLowerCase()));
}

/**
 * Forgets handled ids older than the retention, which must exceed how long a
 * redelivery can come (Kafka's retention and any replay from a dead-letter
 * topic); returns how many went.
 */
export async function pruneInbox(
  em: EntityManager,
  retentionMs: number,
  batchSize = 5_000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await executeSql(
      em,
      `DELETE FROM inbox WHERE ctid IN (
         SELECT ctid FROM inbox WHERE handled_at < now() - make_interval(secs => ?) LIMIT ?
       )`,
      [retentionMs / 1000, batchSize],
    );
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

class Migration20261121000001Inbox extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE IF NOT EXISTS inbox (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      type text NOT NULL,
      handled_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`);
    this.addSql('CREATE INDEX IF NOT EXISTS inbox_handled_at_idx ON inbox (handled_at)');
  }

  override down(): void {
    this.addSql('DROP TABLE IF EXISTS inbox');
  }
}

/** List it right after outboxMigration in every service's migrations. */
export const inboxMigration: MigrationObject = {
  name: 'Migration20261121000001Inbox',
  class: Migration20261121000001Inbox,
};
