import { describe, expect, it } from 'vitest';
import { createLimiter, runKeyedBatch } from './keyed-batch.js';

interface Msg {
  offset: number;
  key: string;
  /** How long its handling takes, ms. */
  ms: number;
  fail?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const messages = (count: number, key: (i: number) => string, ms = 5): Msg[] =>
  Array.from({ length: count }, (_, i) => ({ offset: i, key: key(i), ms }));

/** Runs a batch and records what happened, in order. */
async function run(
  batch: Msg[],
  options: { lanes?: number; chunkSize?: number; concurrency?: number } = {},
  keepGoing: (log: readonly string[]) => boolean = () => true,
) {
  const log: string[] = [];
  const chunks: number[][] = [];
  const released: number[] = [];
  let active = 0;
  let maxActive = 0;
  const activeKeys = new Set<string>();
  let sameKeyOverlap = false;
  const error = await runKeyedBatch({
    messages: batch,
    keyOf: (m) => m.key,
    lanes: options.lanes ?? 4,
    chunkSize: options.chunkSize ?? 1,
    limiter: createLimiter(options.concurrency ?? 4),
    keepGoing: () => keepGoing(log),
    onDone: (m) => released.push(m.offset),
    handle: async (chunk, done) => {
      chunks.push(chunk.map((m) => m.offset));
      for (const m of chunk) {
        if (activeKeys.has(m.key)) sameKeyOverlap = true;
        activeKeys.add(m.key);
        active += 1;
        maxActive = Math.max(maxActive, active);
        log.push(`start ${m.offset}`);
        await sleep(m.ms);
        active -= 1;
        activeKeys.delete(m.key);
        if (m.fail) throw new Error(`failed ${m.offset}`);
        log.push(`end ${m.offset}`);
        done(m);
      }
    },
  }).then(
    () => null,
    (err: Error) => err,
  );
  return { log, chunks, released, maxActive, sameKeyOverlap, error };
}

describe('keyed batch', () => {
  it('handles one key in offset order, never twice at once, and spreads keys over lanes', async () => {
    const batch = messages(40, (i) => `k${i % 10}`);
    const { log, sameKeyOverlap, maxActive, released } = await run(batch);
    expect(sameKeyOverlap).toBe(false);
    expect(maxActive).toBeGreaterThan(1);
    for (let key = 0; key < 10; key++) {
      const starts = log
        .filter((l) => l.startsWith('start'))
        .map((l) => Number(l.split(' ')[1]))
        .filter((offset) => offset % 10 === key);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
    expect(released).toEqual(batch.map((m) => m.offset));
  });

  it('releases offsets only in order, after every earlier message is done', async () => {
    const batch = [{ offset: 0, key: 'slow', ms: 40 }, ...messages(12, (i) => `fast${i}`, 1)].map(
      (m, i) => ({ ...m, offset: i }),
    );
    const { released, log } = await run(batch);
    // Something after the slow first message finished before it…
    expect(log.indexOf('end 0')).toBeGreaterThan(log.findIndex((l) => l.startsWith('end ')));
    // …and still nothing was released ahead of it.
    expect(released).toEqual(batch.map((m) => m.offset));
  });

  it('never runs more chunks than the limit at once', async () => {
    const { maxActive, released } = await run(
      messages(20, (i) => `k${i}`),
      { lanes: 8, concurrency: 3 },
    );
    expect(maxActive).toBeLessThanOrEqual(3);
    expect(released).toHaveLength(20);
  });

  it('hands a lane its messages in chunks, and uses as few lanes as the chunks need', async () => {
    const small = await run(
      messages(5, (i) => `k${i}`),
      { lanes: 4, chunkSize: 16 },
    );
    expect(small.chunks).toEqual([[0, 1, 2, 3, 4]]);

    const one = await run(
      messages(7, (i) => `k${i}`),
      { lanes: 1, chunkSize: 3 },
    );
    expect(one.chunks).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('after a failure starts nothing new, releases the done prefix, and throws', async () => {
    const { log, released, error } = await run(
      [
        { offset: 0, key: 'a', ms: 1 },
        { offset: 1, key: 'b', ms: 10, fail: true },
        { offset: 2, key: 'b', ms: 1 },
        { offset: 3, key: 'b', ms: 1 },
      ],
      { lanes: 1, chunkSize: 2 },
    );
    expect(error?.message).toBe('failed 1');
    expect(log).toEqual(['start 0', 'end 0', 'start 1']);
    expect(released).toEqual([0]);
  });

  it('stops starting chunks once told to, letting those in flight finish', async () => {
    const { log, released, error } = await run(
      messages(3, () => 'a', 5),
      { lanes: 1, chunkSize: 1 },
      // A rebalance arrives while the first message is being handled.
      (log) => !log.includes('start 0'),
    );
    expect(error).toBeNull();
    expect(log).toEqual(['start 0', 'end 0']);
    expect(released).toEqual([0]);
  });
});
