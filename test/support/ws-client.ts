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
  /** Sent as the connection_init payload instead of the one built from `token`. */
  connectionParams?: Record<string, unknown>;
}

/** How the server closed the WebSocket (graphql-ws close codes such as 4401). */
export interface ClosedSocket {
  code: number;
  reason: string;
}

export interface TestSubscription<T> {
  next(timeoutMs?: number): Promise<ExecutionResult<T>>;
  /** Resolves when the stream completes normally; rejects like next() on an error. */
  completed(timeoutMs?: number): Promise<void>;
  /** Resolves when the socket closes, with the server's code and reason. */
  closed(): Promise<ClosedSocket>;
  close(): Promise<void>;
}

const isCloseEvent = (value: unknown): value is ClosedSocket =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ClosedSocket).code === 'number' &&
  typeof (value as ClosedSocket).reason !== 'undefined';

/** A graphql-ws error sink value: a list of GraphQL errors, a CloseEvent, or an Error. */
function describeFailure(err: unknown): Error {
  if (err instanceof Error) return err;
  if (isCloseEvent(err)) return new Error(`connection closed: ${err.code} ${String(err.reason)}`);
  return new Error(`subscription failed: ${JSON.stringify(err)}`);
}

export function subscribe<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: SubscribeOptions = {},
): TestSubscription<T> {
  let onClosed: (event: ClosedSocket) => void = () => {};
  const closed = new Promise<ClosedSocket>((resolve) => (onClosed = resolve));
  const client: Client = createClient({
    url: options.url ?? gatewayUrl().replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams:
      options.connectionParams ??
      (options.token ? { authorization: `Bearer ${options.token}` } : {}),
    retryAttempts: 0,
    lazy: false,
    // Refusals and closes reach the subscription's error sink and closed(); no console noise.
    onNonLazyError: () => {},
    on: {
      closed: (event) => {
        const { code, reason } = isCloseEvent(event) ? event : { code: 0, reason: '' };
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  const buffer: ExecutionResult<T>[] = [];
  const waiters: Array<(result: ExecutionResult<T> | Error) => void> = [];
  let failure: Error | null = null;
  const COMPLETED = 'subscription completed';
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
      error: (err) => deliver(describeFailure(err)),
      complete: () => deliver(new Error(COMPLETED)),
    },
  );
  const next = (timeoutMs = 10_000): Promise<ExecutionResult<T>> => {
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
  };
  return {
    next,
    completed: async (timeoutMs = 10_000) => {
      try {
        const extra = await next(timeoutMs);
        throw new Error(`expected completion, got ${JSON.stringify(extra)}`);
      } catch (err) {
        if ((err as Error).message !== COMPLETED) throw err;
      }
    },
    closed: () => closed,
    close: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
}
