import { describe, expect, it } from 'vitest';
import { PlaceOrderGate } from './place-order-gate.js';

describe('PlaceOrderGate', () => {
  it('lets `limit` through at once, queues the next in order, and hands each freed slot on', async () => {
    const gate = new PlaceOrderGate(2, 1_000);
    await gate.enter();
    await gate.enter();
    const order: string[] = [];
    const third = gate.enter().then(() => order.push('third'));
    const fourth = gate.enter().then(() => order.push('fourth'));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    gate.leave();
    await third;
    gate.leave();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(gate.inFlight).toBe(2);
    gate.leave();
    gate.leave();
    expect(gate.inFlight).toBe(0);
  });

  it('refuses with RATE_LIMITED (retryAfter 1, HTTP 429) after waiting too long, without taking a slot', async () => {
    const gate = new PlaceOrderGate(1, 20);
    await gate.enter();
    const refused = await gate.enter().catch((e: unknown) => e);
    expect(refused).toMatchObject({
      extensions: { code: 'RATE_LIMITED', retryAfter: 1, http: { status: 429 } },
    });
    gate.leave();
    expect(gate.inFlight).toBe(0);
    // The refused one left no waiter behind: the next caller gets the slot at once.
    await gate.enter();
    expect(gate.inFlight).toBe(1);
  });

  it('refuses a newcomer at once while the queue is not draining, and keeps the turn of those queued', async () => {
    const gate = new PlaceOrderGate(1, 1_000, 30);
    await gate.enter();
    const queued = gate.enter();
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    const refused = await gate.enter().catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(20);
    expect(refused).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfter: 1 } });
    gate.leave();
    await queued;
    expect(gate.inFlight).toBe(1);
    // The queue is empty again: the next caller waits its turn instead of being refused.
    const next = gate.enter();
    gate.leave();
    await next;
    expect(gate.inFlight).toBe(1);
  });
});
