import type { Consumer } from 'kafkajs';
import { consumerLag } from './metrics.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages on the partition after the last one this consumer processed. */
  lag: number;
}

export interface LagTracker {
  /** Per partition, as of the last batch processed (partitions not fetched yet are absent). */
  snapshot(): PartitionLag[];
}

/**
 * Consumer lag from kafkajs' own batch events (high watermark minus the
 * batch's last offset): no extra requests to the broker, fresh after every batch.
 * Also exported as the `kafka_consumer_lag` gauge.
 */
export function trackLag(consumer: Consumer, groupId: string): LagTracker {
  const byPartition = new Map<string, PartitionLag>();
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const { topic, partition } = payload;
    const lag = Number(payload.offsetLag);
    byPartition.set(`${topic}:${partition}`, { topic, partition, lag });
    consumerLag.set({ group: groupId, topic, partition: String(partition) }, lag);
  });
  return { snapshot: () => [...byPartition.values()].map((p) => ({ ...p })) };
}
