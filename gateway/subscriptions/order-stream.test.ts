import { describe, expect, it, vi } from 'vitest';
import type { OrderQuery, Resolution } from './order-query.js';
import { MAX_BUFFERED, OrderStream, type OrderStreamOptions } from './order-stream.js';

/** The per-subscription stream on its own: versions, buffering, completion, expiry, release. */

const ORDER = '0190f5c2-0000-7000-8000-000000000001';
const OTHER = '0190f5c2-0000-7000-8000-000000000002';
const query: OrderQuery = {
  text: 'query',
  variables: {},
  identity: { userId: 'u', roles: ['CUSTOMER'] },
  shareKey: 'k',
};

function stream(options: Partial<OrderStreamOptions> = {}) {
  return new OrderStream({
    orderId: ORDER,
    customerId: null,
    query,
    responseKey: 'orderUpdated',
    afterVersion: null,
    completeOnFinal: true,
    expiresAt: Date.now() + 60_000,
    onClose: () => {},
    ...options,
  });
}

const state = (version: number, status = 'CONFIRMED', id = ORDER): Resolution => ({
  order: { id, status, version },
  version,
  status,
  errors: [],
});

async function drain(s: OrderStream, count: number) {
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const { value } = await s.next();
    out.push(value);
  }
  return out;
}

describe('OrderStream', () => {
  it('passes on only strictly newer versions, starting after afterVersion', async () => {
    const s = stream({ afterVersion: 2 });
    s.goLive();
    for (const v of [1, 2, 3, 3, 2, 5, 4]) s.offer(ORDER, state(v));
    expect(await drain(s, 2)).toEqual([
      { data: { orderUpdated: { id: ORDER, status: 'CONFIRMED', version: 3 } } },
      { data: { orderUpdated: { id: ORDER, status: 'CONFIRMED', version: 5 } } },
    ]);
  });

  it('completes after a final state and accepts nothing after it', async () => {
    const onClose = vi.fn();
    const s = stream({ onClose });
    s.goLive();
    s.offer(ORDER, state(4, 'DELIVERED'));
    s.offer(ORDER, state(5));
    expect((await s.next()).value).toMatchObject({ data: { orderUpdated: { version: 4 } } });
    expect(await s.next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('keeps only the newest state per order when a slow client overflows its buffer', async () => {
    const s = stream({ orderId: null, customerId: 'u', completeOnFinal: false });
    s.goLive();
    for (let v = 1; v <= MAX_BUFFERED + 5; v++) s.offer(ORDER, state(v));
    s.offer(OTHER, state(1, 'PENDING', OTHER));
    const versions: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { value } = await s.next();
      versions.push((value?.data?.orderUpdated as { version: number }).version);
    }
    // Everything before the overflow merged into its newest state; later ones queue again.
    expect(versions).toEqual([
      MAX_BUFFERED + 1,
      MAX_BUFFERED + 2,
      MAX_BUFFERED + 3,
      MAX_BUFFERED + 4,
      MAX_BUFFERED + 5,
    ]);
    // The other order's state was not merged away.
    expect((await s.next()).value).toMatchObject({ data: { orderUpdated: { id: OTHER } } });
  });

  it('tells a live client about a transient failure once, then the state once it resolves', async () => {
    const s = stream();
    s.goLive();
    const down = {
      order: null,
      version: null,
      status: null,
      errors: [{ message: 'down', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }],
    };
    s.offer(ORDER, down);
    s.offer(ORDER, down);
    s.offer(ORDER, down);
    s.offer(ORDER, state(3));
    s.offer(ORDER, down);
    const first = (await s.next()).value;
    expect(first?.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect((await s.next()).value).toMatchObject({ data: { orderUpdated: { version: 3 } } });
    // A new streak after a state is told again.
    const again = (await s.next()).value;
    expect(again?.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
  });

  it('keeps every order of a busy myOrderUpdates client, merged to its newest state', async () => {
    const s = stream({ orderId: null, customerId: 'u', completeOnFinal: false });
    s.goLive();
    const ids = Array.from(
      { length: MAX_BUFFERED * 4 },
      (_, i) => `0190f5c2-0000-7000-8000-${String(i).padStart(12, '0')}`,
    );
    for (const v of [1, 2]) for (const id of ids) s.offer(id, state(v, 'PENDING', id));
    const seen = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) {
      const order = (await s.next()).value?.data?.orderUpdated as { id: string; version: number };
      seen.set(order.id, order.version);
    }
    expect(seen.size).toBe(ids.length);
    expect([...seen.values()].every((v) => v === 2)).toBe(true);
  });

  it('refuses to go live when the current state came back FORBIDDEN', () => {
    const onClose = vi.fn();
    const s = stream({ onClose });
    s.offer(ORDER, {
      order: null,
      version: null,
      status: null,
      errors: [{ message: 'no', path: ['order'], extensions: { code: 'FORBIDDEN' } }],
    });
    const refusal = s.goLive();
    expect(refusal?.extensions.code).toBe('FORBIDDEN');
    expect(refusal?.path).toEqual(['orderUpdated']);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('ends with UNAUTHENTICATED when the token expires, and releases itself', async () => {
    vi.useFakeTimers();
    try {
      const onClose = vi.fn();
      const s = stream({ expiresAt: Date.now() + 1_000, onClose });
      s.goLive();
      const pending = s.next();
      vi.advanceTimersByTime(1_000);
      await expect(pending).rejects.toMatchObject({
        message: 'Access token has expired',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(onClose).toHaveBeenCalledTimes(1);
      expect(await s.next()).toEqual({ value: undefined, done: true });
    } finally {
      vi.useRealTimers();
    }
  });

  it('releases its registration once when the client goes away', async () => {
    const onClose = vi.fn();
    const s = stream({ onClose });
    s.goLive();
    const pending = s.next();
    await s.return();
    await s.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
