import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { ServiceDatabases } from './db.js';

/**
 * Where a backlog sits at one instant: outbox rows not yet on Kafka, per
 * service (the relays), and messages not yet consumed, per consumer group
 * (committed offsets trail by up to the consumers' one-second commit
 * interval). Taken when a phase's schedule ends, when queues are longest.
 */

export interface BacklogSnapshot {
  outbox: Record<string, number>;
  lag: Record<string, number>;
}

const RELAYING = ['order', 'inventory', 'payment'] as const;

export class BacklogProbe {
  private readonly admin: Admin;
  private connected: Promise<void> | null = null;

  constructor(
    brokers: string,
    private readonly prefix: string,
    private readonly db: ServiceDatabases,
  ) {
    this.admin = new Kafka({
      clientId: 'bench-checkout',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
  }

  async snapshot(): Promise<BacklogSnapshot> {
    this.connected ??= this.admin.connect();
    await this.connected;
    const outbox: Record<string, number> = {};
    await Promise.all(
      RELAYING.map(async (service) => {
        const [row] = await this.db.query<{ count: string }>(
          service,
          'SELECT count(*) AS count FROM outbox WHERE published_at IS NULL',
        );
        outbox[service] = Number(row?.count ?? 0);
      }),
    );
    const lag: Record<string, number> = {};
    const groups = (await this.admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((id) => id.startsWith(this.prefix));
    const ends = new Map<string, Map<number, number>>();
    for (const groupId of groups) {
      const name = groupId.slice(this.prefix.length).replace(/^gateway-.*/, 'gateway');
      let total = 0;
      for (const { topic, partitions } of await this.admin.fetchOffsets({ groupId })) {
        if (!ends.has(topic)) {
          const offsets = await this.admin.fetchTopicOffsets(topic);
          ends.set(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
        }
        for (const { partition, offset } of partitions) {
          const committed = Number(offset);
          // -1: nothing committed yet in this partition; it has read nothing there.
          total += Math.max(0, (ends.get(topic)!.get(partition) ?? 0) - Math.max(0, committed));
        }
      }
      lag[name] = total;
    }
    return { outbox, lag };
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect().catch(() => undefined);
  }
}
