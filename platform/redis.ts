import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * Redis for caches and limits: never a source of truth. Commands fail fast
 * while it is down (no offline queue, one retry), so callers can fall back
 * instead of waiting; the client keeps reconnecting in the background.
 */
export function createRedis(url: string, keyPrefix: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    keyPrefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // Commands issued in the same turn of the event loop (concurrent requests'
    // rate-limit or cache reads) share one write: on this kind of machine a
    // socket write that wakes another process is a large part of a request.
    enableAutoPipelining: true,
  });
  let warned = false;
  redis.on('error', (err: Error & { code?: string }) => {
    if (!warned) logger.warn({ code: err.code ?? err.message }, 'redis unavailable; retrying');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger.info('redis connection restored');
    warned = false;
  });
  return redis;
}

export async function connectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'wait') await redis.connect();
}

export async function pingRedis(redis: Redis): Promise<void> {
  await redis.ping();
}
