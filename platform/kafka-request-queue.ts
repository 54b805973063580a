import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 keeps every broker connection's request queue polling itself
 * every millisecond for as long as the connection is open (kafkajs issues
 * #1556 and #1704, fixes proposed, none released): after each check it
 * schedules the next one with a negative delay, even with nothing waiting
 * and no throttle to wait out. With a producer, a consumer and its group
 * coordinator per service, that cost each of our processes about 4 % of a
 * core, idle or busy: 14 % of a two-core machine for the whole stack.
 *
 * The queue only needs a timer while requests wait for an in-flight slot (a
 * completion checks them too) or for a broker-imposed throttle to end; this
 * replaces the scheduling with exactly that. Checked against the installed
 * version: another version's internals are left alone, and a test says so.
 */

const PATCHED_VERSION = '2.2.4';
/** kafkajs' own interval for requests waiting on an in-flight slot. */
const PENDING_CHECK_MS = 10;

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  let delayMs: number;
  if (untilUnthrottled > 0) delayMs = untilUnthrottled;
  else if (this.pending.length > 0) delayMs = PENDING_CHECK_MS;
  // Nothing waits and nothing is throttled: the next push or completion checks.
  else return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delayMs);
}

let applied: boolean | null = null;

/** Installs the fix once per process; whether it is in place (false on another kafkajs version). */
export function fixRequestQueuePolling(): boolean {
  if (applied !== null) return applied;
  const require = createRequire(import.meta.url);
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_VERSION) return (applied = false);
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueInternals;
  };
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  return (applied = true);
}
