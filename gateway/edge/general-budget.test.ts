import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GeneralBudget, type BudgetOutcomes } from './general-budget.js';

/** The general budget against the run's real Redis, each test on keys of its own. */

const WINDOW_MS = 60_000;
const FLUSH_MS = 20;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(inject('testEnv').REDIS_URL!, { maxRetriesPerRequest: 1 });
  // The limiter refuses to wait for a connection still being made (rejectIfRedisNotReady).
  await redis.ping();
});

afterAll(async () => {
  await redis.quit();
});

function limiterFor(client: Redis, points: number) {
  const limiter = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: `${inject('testEnv').REDIS_KEY_PREFIX}gb-${randomUUID().slice(0, 8)}`,
    points,
    duration: WINDOW_MS / 1000,
    rejectIfRedisNotReady: true,
  });
  // Every call that reaches the limiter, with the points it spends.
  const calls: number[] = [];
  const consume = limiter.consume.bind(limiter);
  limiter.consume = (key, points = 1, options) => {
    calls.push(points);
    return consume(key, points, options);
  };
  return { limiter, calls };
}

function recorder() {
  const unchecked: number[] = [];
  const outcomes: BudgetOutcomes = {
    answered: () => {},
    unchecked: (_err, requests) => unchecked.push(requests),
  };
  return { outcomes, unchecked };
}

/** What Redis has counted for the caller so far. */
async function counted(limiter: RateLimiterRedis, key: string): Promise<number> {
  return (await limiter.get(key))?.consumedPoints ?? 0;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, FLUSH_MS * 5));

describe('general budget', () => {
  it('counts a burst from one caller in Redis with a few calls, not one per request', async () => {
    const { limiter, calls } = limiterFor(redis, 1_000);
    const budget = new GeneralBudget(limiter, 1_000, WINDOW_MS, recorder().outcomes, FLUSH_MS);

    for (let i = 0; i < 200; i += 1) expect(await budget.spend('user:a', 't')).toBeNull();
    await settle();

    expect(await counted(limiter, 'user:a')).toBe(200);
    // The first request waits for Redis (the caller is new); the rest go in batches.
    expect(calls.length).toBeLessThanOrEqual(10);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('refuses the first request beyond the budget at once, without waiting for a batch', async () => {
    const { limiter } = limiterFor(redis, 5);
    const budget = new GeneralBudget(limiter, 5, WINDOW_MS, recorder().outcomes, 60_000);

    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await budget.spend('ip:1', 't'));

    expect(answers.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(answers[5]?.msBeforeNext).toBeGreaterThan(0);
    // No flush has run (the interval is a minute): the waiting requests carried the batch.
    expect(await counted(limiter, 'ip:1')).toBe(6);
  });

  it('keeps callers apart', async () => {
    const { limiter } = limiterFor(redis, 3);
    const budget = new GeneralBudget(limiter, 3, WINDOW_MS, recorder().outcomes, FLUSH_MS);

    for (let i = 0; i < 3; i += 1) expect(await budget.spend('user:a', 't')).toBeNull();
    expect(await budget.spend('user:a', 't')).not.toBeNull();
    expect(await budget.spend('user:b', 't')).toBeNull();
  });

  it('sends what it has gathered when flushed on shutdown', async () => {
    const { limiter } = limiterFor(redis, 1_000);
    const budget = new GeneralBudget(limiter, 1_000, WINDOW_MS, recorder().outcomes, 60_000);

    for (let i = 0; i < 30; i += 1) await budget.spend('user:z', 't');
    expect(await counted(limiter, 'user:z')).toBe(1);
    budget.flush();
    await settle();

    expect(await counted(limiter, 'user:z')).toBe(30);
  });

  it('serves and reports every request unchecked while Redis does not answer', async () => {
    const down = new Redis('redis://127.0.0.1:6399', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const { limiter } = limiterFor(down, 2);
    const { outcomes, unchecked } = recorder();
    const budget = new GeneralBudget(limiter, 2, WINDOW_MS, outcomes, FLUSH_MS);

    for (let i = 0; i < 5; i += 1) expect(await budget.spend('ip:2', 't')).toBeNull();

    expect(unchecked.reduce((a, b) => a + b, 0)).toBe(5);
    down.disconnect();
  });
});
