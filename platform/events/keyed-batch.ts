/**
 * How a consumer works through one partition's batch: the messages are
 * spread over a few lanes by key (one aggregate's messages always share a
 * lane, in offset order), lanes run side by side, and each lane hands its
 * messages to the handler a chunk at a time (one database transaction per
 * chunk, when the consumer allows more than one event per transaction).
 * Offsets are released strictly in order, once a message and every message
 * before it are done.
 *
 * One message at a time would leave a partition's throughput at one
 * transaction's latency, and one transaction per event pays a BEGIN, an
 * inbox insert and a COMMIT (with its WAL flush) for each; aggregates are
 * independent, so their events need neither wait for each other nor commit
 * one by one.
 */

/** Bounds how many tasks run at once; shared by every partition a consumer handles. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };
  return {
    async run(task) {
      if (active < concurrency) active += 1;
      // The slot is handed over by release(), so `active` stays as it is.
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}

export interface KeyedBatch<M> {
  /** One partition's messages, in offset order. */
  messages: readonly M[];
  /** Messages with equal keys share a lane: handled in order, never at the same time. */
  keyOf(message: M): string;
  /** At most this many lanes (fewer when the batch fits in fewer chunks). */
  lanes: number;
  /** At most this many messages per handler call. */
  chunkSize: number;
  limiter: Limiter;
  /** Handles a chunk (consecutive messages of one lane); calls `done` for each message handled. */
  handle(chunk: readonly M[], done: (message: M) => void): Promise<void>;
  /** Called for each message in order, once it and every message before it are done. */
  onDone(message: M): void;
  /** False once no further chunk should start (rebalance, shutdown); those in flight finish. */
  keepGoing(): boolean;
}

/** FNV-1a: a cheap, stable spread of keys over lanes. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Handles the batch. When a handler throws, its lane stops (a later
 * message of that key must not overtake the failed one), no lane starts
 * another chunk, the chunks in flight finish, and the first error is
 * thrown; messages from the first one not done onwards are redelivered,
 * and the inbox recognises those already handled.
 */
export async function runKeyedBatch<M>(batch: KeyedBatch<M>): Promise<void> {
  const { messages } = batch;
  const count = messages.length;
  const laneCount = Math.max(1, Math.min(batch.lanes, Math.ceil(count / batch.chunkSize)));
  const lanes: M[][] = Array.from({ length: laneCount }, () => []);
  const position = new Map<M, number>();
  messages.forEach((message, index) => {
    position.set(message, index);
    lanes[laneCount === 1 ? 0 : hash(batch.keyOf(message)) % laneCount]!.push(message);
  });

  const done = new Array<boolean>(count).fill(false);
  let released = 0;
  const markDone = (message: M) => {
    const index = position.get(message);
    if (index === undefined || done[index]) return;
    done[index] = true;
    while (released < count && done[released]) {
      batch.onDone(messages[released]!);
      released += 1;
    }
  };

  let failure: { error: unknown } | null = null;
  const stopped = () => failure !== null || !batch.keepGoing();
  await Promise.all(
    lanes.map(async (lane) => {
      try {
        for (let at = 0; at < lane.length && !stopped(); at += batch.chunkSize) {
          const chunk = lane.slice(at, at + batch.chunkSize);
          await batch.limiter.run(async () => {
            if (!stopped()) await batch.handle(chunk, markDone);
          });
        }
      } catch (error) {
        failure ??= { error };
      }
    }),
  );
  if (failure) throw (failure as { error: unknown }).error;
}
