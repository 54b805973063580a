import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Time } from './ids.js';
import { projectionWaitFor, readProjection, type ProjectionWait } from './projection-wait.js';

const WAIT: ProjectionWait = { recentIdMs: 1_000, otherIdMs: 100, recentMs: 60_000, pollMs: 20 };

describe('waiting for a projection to learn an id', () => {
  it('waits longest for an id made within the last minute, less for any other, not at all for a non-id', () => {
    const now = Date.now();
    expect(projectionWaitFor(uuidv7(now - 5_000), WAIT, now)).toBe(1_000);
    // A clock a little ahead of ours made it.
    expect(projectionWaitFor(uuidv7(now + 2_000), WAIT, now)).toBe(1_000);
    expect(projectionWaitFor(uuidv7(now - 3_600_000), WAIT, now)).toBe(100);
    expect(projectionWaitFor('c0ffee00-1111-4222-8333-444455556666', WAIT, now)).toBe(100);
    expect(projectionWaitFor('not-an-id', WAIT, now)).toBe(0);
  });

  it('reads the time a UUID v7 was made, and none from other ids', () => {
    const at = Date.UTC(2026, 10, 21, 12, 0, 0, 123);
    expect(uuidv7Time(uuidv7(at))).toBe(at);
    expect(uuidv7Time('c0ffee00-1111-4222-8333-444455556666')).toBeNull();
    expect(uuidv7Time('nope')).toBeNull();
  });

  it('answers known ids at once and finds an id that arrives while it waits', async () => {
    const known = uuidv7(Date.now() - 3_600_000);
    const arriving = uuidv7();
    const projection = new Map([[known, 'known']]);
    const reads: string[][] = [];
    const read = async (ids: string[]) => {
      reads.push(ids);
      return new Map(ids.flatMap((id) => (projection.has(id) ? [[id, projection.get(id)!]] : [])));
    };

    expect(await readProjection([known], read, WAIT)).toEqual(new Map([[known, 'known']]));
    expect(reads).toEqual([[known]]);

    setTimeout(() => projection.set(arriving, 'new'), 150);
    const started = Date.now();
    const found = await readProjection([known, arriving], read, WAIT);
    expect(found).toEqual(
      new Map([
        [known, 'known'],
        [arriving, 'new'],
      ]),
    );
    // Found when it arrived, not at the end of its wait.
    expect(Date.now() - started).toBeLessThan(900);
    // Once found, an id is not read again.
    expect(reads.slice(2).every((ids) => ids.length === 1 && ids[0] === arriving)).toBe(true);
  });

  it('gives up on each missing id when its own wait is over', async () => {
    const old = uuidv7(Date.now() - 3_600_000);
    const fresh = uuidv7();
    const read = async () => new Map<string, string>();
    let started = Date.now();
    expect(await readProjection([old], read, WAIT)).toEqual(new Map());
    const oldTook = Date.now() - started;
    started = Date.now();
    expect(await readProjection([fresh], read, WAIT)).toEqual(new Map());
    const freshTook = Date.now() - started;
    expect(oldTook).toBeGreaterThanOrEqual(60);
    expect(oldTook).toBeLessThan(700);
    expect(freshTook).toBeGreaterThanOrEqual(950);
  });
});
