import { describe, expect, it } from 'vitest';
import { AdmissionHold, refusedBySubgraph } from './admission-hold.js';

describe("the gateway's hold after a subgraph refused placeOrder", () => {
  it('reads the refusal, its hint and its subgraph from the response errors', () => {
    expect(refusedBySubgraph(undefined)).toBeNull();
    expect(refusedBySubgraph([{ message: 'x', extensions: { code: 'FORBIDDEN' } }])).toBeNull();
    expect(
      refusedBySubgraph([
        { message: 'x', extensions: { code: 'RATE_LIMITED', retryAfter: 4, serviceName: 'order' } },
      ]),
    ).toEqual({ retryAfter: 4, service: 'order' });
    // A missing or odd hint still tells the client to wait a second.
    expect(
      refusedBySubgraph([
        { message: 'x', extensions: { code: 'RATE_LIMITED', retryAfter: 'soon' } },
      ]),
    ).toEqual({ retryAfter: 1, service: 'subgraph' });
  });

  it('refuses here for a moment after a refusal, with the last hint, then forwards again', () => {
    let t = 1_000;
    const hold = new AdmissionHold(500, () => t);
    expect(hold.refusal()).toBeNull();
    hold.learn({ retryAfter: 3, service: 'order' });
    const held = hold.refusal();
    expect(held?.service).toBe('order');
    expect(held?.error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 3 });
    expect(held?.error.message).toBe(
      'Too many orders are being processed; retry in 3 s with the same idempotencyKey',
    );
    t += 499;
    expect(hold.refusal()).not.toBeNull();
    // The hold is far shorter than the hint: the next call asks the order service again.
    t += 1;
    expect(hold.refusal()).toBeNull();
  });
});
