import { describe, expect, it } from 'vitest';
import { AdmissionPolicy } from './admission-policy.js';
import { SagaDelay } from './saga-delay.js';

const settings = { shedAboveMs: 1_500, resumeBelowMs: 500, maxInFlight: 10, maxQueueWaitMs: 1_000 };
const load = (inFlight: number, oldestWaitMs = 0) => ({ inFlight, oldestWaitMs });

describe('admission policy', () => {
  it('admits while the saga keeps up and little is in progress', () => {
    const policy = new AdmissionPolicy(settings);
    expect(policy.decide(0, load(0))).toEqual({ admitted: true });
    expect(policy.decide(1_499, load(9))).toEqual({ admitted: true });
    expect(policy.shedding).toBe(false);
  });

  it('sheds from the upper threshold and admits again only at the lower one (hysteresis)', () => {
    const policy = new AdmissionPolicy(settings);
    expect(policy.decide(1_500, load(0))).toEqual({
      admitted: false,
      reason: 'saga_behind',
      retryAfterSeconds: 2,
    });
    // Back between the thresholds: still shedding, so a delay hovering there does not flap.
    for (const delay of [1_400, 1_000, 501, 1_200, 600]) {
      expect(policy.decide(delay, load(0)).admitted).toBe(false);
    }
    expect(policy.decide(500, load(0))).toEqual({ admitted: true });
    // And between the thresholds from below: admitting until the upper one again.
    for (const delay of [600, 1_000, 1_499])
      expect(policy.decide(delay, load(0)).admitted).toBe(true);
    expect(policy.decide(1_600, load(0)).admitted).toBe(false);
  });

  it('refuses at once when too many placements are in progress, whatever the saga delay', () => {
    const policy = new AdmissionPolicy(settings);
    expect(policy.decide(0, load(10))).toEqual({
      admitted: false,
      reason: 'busy',
      retryAfterSeconds: 1,
    });
    // Not a gate: the next one after a placement finished is admitted.
    expect(policy.decide(0, load(9))).toEqual({ admitted: true });
    expect(policy.shedding).toBe(false);
  });

  it('refuses new placements at once while the oldest queued one has waited too long', () => {
    const policy = new AdmissionPolicy(settings);
    expect(policy.decide(0, load(3, 999))).toEqual({ admitted: true });
    expect(policy.decide(0, load(3, 1_000))).toEqual({
      admitted: false,
      reason: 'busy',
      retryAfterSeconds: 1,
    });
    expect(policy.decide(0, load(3, 20))).toEqual({ admitted: true });
  });

  it('suggests retrying after about the saga delay, between 1 and 30 s', () => {
    const policy = new AdmissionPolicy(settings);
    const retryAfter = (delay: number) => {
      const decision = policy.decide(delay, load(0));
      return decision.admitted ? null : decision.retryAfterSeconds;
    };
    expect(retryAfter(1_501)).toBe(2);
    expect(retryAfter(4_200)).toBe(5);
    expect(retryAfter(600_000)).toBe(30);
    expect(retryAfter(501)).toBe(1);
  });

  it('rejects thresholds that leave no room for hysteresis', () => {
    expect(() => new AdmissionPolicy({ ...settings, resumeBelowMs: 1_500 })).toThrow(/below/);
    expect(() => new AdmissionPolicy({ ...settings, maxInFlight: 0 })).toThrow(/positive/);
    expect(() => new AdmissionPolicy({ ...settings, maxQueueWaitMs: 0 })).toThrow(/positive/);
  });
});

describe('saga delay', () => {
  function clock(start = 1_000_000) {
    let t = start;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  }

  it('takes the first age as it is, then smooths over time, not over events', () => {
    const c = clock();
    const delay = new SagaDelay({ smoothingMs: 1_000, idleAfterMs: 2_000 }, c.now);
    expect(delay.current()).toBe(0);
    delay.observe(c.now() - 3_000);
    expect(delay.current()).toBe(3_000);
    // Many fresh events at the same instant barely move it: one slow burst is not a backlog...
    for (let i = 0; i < 100; i++) delay.observe(c.now());
    expect(delay.current()).toBe(3_000);
    // ...but fresh events over a second or two pull it down.
    for (let i = 0; i < 20; i++) {
      c.advance(100);
      delay.observe(c.now() - 100);
    }
    expect(delay.current()).toBeGreaterThan(100);
    expect(delay.current()).toBeLessThan(500);
  });

  it('reads 0 once no event has been handled for a while (caught up, or nothing to do)', () => {
    const c = clock();
    const delay = new SagaDelay({ smoothingMs: 1_000, idleAfterMs: 2_000 }, c.now);
    delay.observe(c.now() - 10_000);
    c.advance(2_000);
    expect(delay.current()).toBe(10_000);
    c.advance(1);
    expect(delay.current()).toBe(0);
    // The next event starts afresh instead of averaging with the stale reading.
    delay.observe(c.now() - 50);
    expect(delay.current()).toBe(50);
  });

  it('keeps counting while the consumer is starved: quiet, but with messages waiting in Kafka', () => {
    const c = clock();
    const delay = new SagaDelay({ smoothingMs: 1_000, idleAfterMs: 2_000 }, c.now);
    let waiting = true;
    delay.watchBacklog(() => waiting);
    delay.observe(c.now() - 300);
    c.advance(5_000);
    // Nothing handled for 5 s with a backlog: at least that far behind.
    expect(delay.current()).toBe(5_000);
    waiting = false;
    expect(delay.current()).toBe(0);
  });
});
