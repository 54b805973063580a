import type { Consumer } from 'kafkajs';
import type { Logger } from '../logger.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages on the partition after the last one this consumer processed. */
  lag: number;
}

export interface LagTracker {
  /** Per partition, as of the last batch processed (partitions not fetched yet are absent). */
  snapshot(): PartitionLag[];
  /** One log line when any partition is behind; silent when caught up. */
  log(): void;
}

/**
 * Consumer lag from kafkajs' own batch events (high watermark minus the
 * batch's last offset): no extra requests to the broker, fresh after every batch.
 */
export function trackLag(consumer: Consumer, logger: Logger): LagTracker {
  const byPartition = new Map<string, PartitionLag>();
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const { topic, partition } = payload;
    byPartition.set(`${topic}:${partition}`, { topic, partition, lag: Number(payload.offsetLag) });
  });
  const snapshot = () => [...byPartition.values()].map((p) => ({ ...p }));
  return {
    snapshot,
    log() {
      const behind = snapshot().filter((p) => p.lag > 0);
      if (behind.length === 0) return;
      const total = behind.reduce((sum, p) => sum + p.lag, 0);
      logger.info({ lag: total, partitions: behind }, 'consumer lag');
    },
  };
}
