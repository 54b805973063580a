import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What follows a unit of work (a GraphQL request, a Kafka message) through
 * every await, so logs and emitted events carry its trace id without it being
 * passed by hand.
 */
export interface TraceContext {
  traceId: string;
}

const storage = new AsyncLocalStorage<TraceContext>();

export function runWithTrace<T>(traceId: string | undefined, fn: () => T): T {
  return storage.run({ traceId: traceId || newTraceId() }, fn);
}

export function currentTraceId(): string | undefined {
  return storage.getStore()?.traceId;
}

export function newTraceId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Accepts only trace ids we could have made (or a W3C-style hex id): never echo arbitrary input into logs. */
export function sanitizeTraceId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9-]{8,64}$/.test(value) ? value : undefined;
}
