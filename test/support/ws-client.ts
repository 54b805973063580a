import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { ExecutionResult } from 'graphql';
import { gatewayUrl } from './client.js';

/**
 * Subscriptions in tests, over graphql-ws as a storefront speaks it. Each
 * subscription buffers what arrives; `next()` waits for the next result (or
 * fails after a timeout, so a missing event fails the test instead of hanging
 * it).
 */

export interface SubscribeOptions {
  token?: string;
  /** Default: the test gateway's URL with ws://. */
  url?: string;
}

export interface TestSubscription<T> {
  next(timeoutMs?: number): Promise<ExecutionResult<T>>;
  close(): Promise<void>;
}

export function subscribe<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: SubscribeOptions = {},
): TestSubscription<T> {
  const client: Client = createClient({
    url: options.url ?? gatewayUrl().replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    retryAttempts: 0,
    lazy: false,
  });
  const buffer: ExecutionResult<T>[] = [];
  const waiters: Array<(result: ExecutionResult<T> | Error) => void> = [];
  let failure: Error | null = null;
  const deliver = (item: ExecutionResult<T> | Error) => {
    const waiter = waiters.shift();
    if (waiter) waiter(item);
    else if (item instanceof Error) failure = item;
    else buffer.push(item);
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => deliver(result as ExecutionResult<T>),
      error: (err) =>
        deliver(
          err instanceof Error ? err : new Error(`subscription failed: ${JSON.stringify(err)}`),
        ),
      complete: () => deliver(new Error('subscription completed')),
    },
  );
  return {
    next: (timeoutMs = 10_000) => {
      const ready = buffer.shift();
      if (ready) return Promise.resolve(ready);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no subscription event within ${timeoutMs}ms`));
        }, timeoutMs);
        const waiter = (item: ExecutionResult<T> | Error) => {
          clearTimeout(timer);
          if (item instanceof Error) reject(item);
          else resolve(item);
        };
        waiters.push(waiter);
      });
    },
    close: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
}
