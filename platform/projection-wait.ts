import { setTimeout as sleep } from 'node:timers/promises';
import { isUuid, uuidv7Time } from './ids.js';

/**
 * The read-your-writes bridge for projections (decision 6): an entity another
 * service created a moment ago reaches this service's projection through the
 * outbox, Kafka and a consumer, usually within tens of milliseconds but, on a
 * loaded machine, sometimes seconds later. A command naming an id the
 * projection does not know yet re-reads it for a bounded time before the id
 * counts as unknown. How long depends on the id: our ids are UUID v7, which
 * carry the moment they were made, so an id made within the last minute (a
 * product just created) is waited for longer than any other (a typo, a
 * random UUID, a product long gone), which most likely never will arrive;
 * what is not a UUID at all is not waited for.
 */
export interface ProjectionWait {
  /** For an id made within `recentMs`. */
  recentIdMs: number;
  /** For any other id. */
  otherIdMs: number;
  /** How new an id counts as recent (either way, for clocks that differ). */
  recentMs: number;
  pollMs: number;
}

export const DEFAULT_PROJECTION_WAIT: ProjectionWait = {
  recentIdMs: 5_000,
  otherIdMs: 1_500,
  recentMs: 60_000,
  pollMs: 100,
};

/** How long a read may wait for `id` to reach the projection. */
export function projectionWaitFor(id: string, wait: ProjectionWait, now = Date.now()): number {
  // Not an id at all: nothing will ever arrive under it.
  if (!isUuid(id)) return 0;
  const madeAt = uuidv7Time(id);
  const recent = madeAt !== null && Math.abs(now - madeAt) <= wait.recentMs;
  return recent ? wait.recentIdMs : wait.otherIdMs;
}

/**
 * Reads `ids` with `read` (which answers what the projection has of the ids
 * it is given, by id), then re-reads the missing ones every `pollMs` until
 * each is found or its wait is over. Ids already found never wait.
 */
export async function readProjection<T>(
  ids: readonly string[],
  read: (ids: string[]) => Promise<Map<string, T>>,
  wait: ProjectionWait = DEFAULT_PROJECTION_WAIT,
): Promise<Map<string, T>> {
  const started = Date.now();
  const found = new Map<string, T>();
  let missing = [...new Set(ids)];
  for (;;) {
    for (const [id, value] of await read(missing)) found.set(id, value);
    missing = missing.filter(
      (id) =>
        !found.has(id) &&
        Date.now() + wait.pollMs <= started + projectionWaitFor(id, wait, started),
    );
    if (missing.length === 0) return found;
    await sleep(wait.pollMs);
  }
}
