import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../../platform/events/contracts.js';
import { ORDER_EVENTS, TRANSITIONS, transition } from './order-state-machine.js';

/**
 * The expected lifecycle, written out independently of the table: for every
 * status, the events it accepts and where each leads. Everything else must be
 * refused.
 */
const EXPECTED: Record<string, Record<string, string>> = {
  PENDING: {
    stockReserved: 'AWAITING_PAYMENT',
    stockRejected: 'CANCELLED/OUT_OF_STOCK',
    expired: 'CANCELLED/EXPIRED',
    customerCancelled: 'CANCELLED/CUSTOMER_CANCELLED',
  },
  AWAITING_PAYMENT: {
    paymentSucceeded: 'CONFIRMED',
    paymentFailed: 'CANCELLED/PAYMENT_DECLINED',
    expired: 'CANCELLED/EXPIRED',
    customerCancelled: 'CANCELLED/CUSTOMER_CANCELLED',
  },
  CONFIRMED: {
    shipped: 'SHIPPED',
    customerCancelled: 'CANCELLED/CUSTOMER_CANCELLED',
  },
  SHIPPED: { delivered: 'DELIVERED' },
  DELIVERED: {},
  CANCELLED: {},
};

describe('order transition table', () => {
  const pairs = ORDER_STATUSES.flatMap((status) =>
    ORDER_EVENTS.map((event) => [status, event] as const),
  );

  it.each(pairs)('from %s on %s answers as the lifecycle says', (status, event) => {
    const result = transition({ status }, event);
    const expected = EXPECTED[status]?.[event];
    if (expected === undefined) {
      expect(result).toEqual({ ok: false, refusal: expect.stringContaining(status) });
    } else {
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const [to, reason = null] = expected.split('/');
      expect(result).toEqual({ ok: true, from: status, to, reason });
    }
  });

  it('has exactly one row per allowed pair and no others', () => {
    const allowed = Object.entries(EXPECTED).flatMap(([from, events]) =>
      Object.keys(events).map((on) => `${from}/${on}`),
    );
    expect(TRANSITIONS.map((t) => `${t.from}/${t.on}`).sort()).toEqual(allowed.sort());
  });

  it('gives a reason exactly when an order is cancelled', () => {
    for (const row of TRANSITIONS) {
      expect(row.reason === null).toBe(row.to !== 'CANCELLED');
    }
  });

  it('refuses cancelling once the order has shipped', () => {
    for (const status of ['SHIPPED', 'DELIVERED', 'CANCELLED'] as const) {
      expect(transition({ status }, 'customerCancelled').ok).toBe(false);
    }
  });
});
