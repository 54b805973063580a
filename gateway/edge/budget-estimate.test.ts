import { describe, expect, it } from 'vitest';
import { BudgetEstimate } from './budget-estimate.js';

const WINDOW_MS = 60_000;
const T0 = 1_800_000_000_000;

/** How many requests in a row go ahead before one has to wait for Redis. */
function earlyRun(estimate: BudgetEstimate, key: string, now = T0): number {
  let early = 0;
  while (estimate.admitEarly(key, now)) early += 1;
  return early;
}

describe('budget estimate', () => {
  it('makes a caller it has not heard about wait for Redis', () => {
    expect(new BudgetEstimate(100, WINDOW_MS).admitEarly('user:a', T0)).toBe(false);
  });

  it('lets requests go ahead while the estimate stays above a tenth of the budget', () => {
    const estimate = new BudgetEstimate(100, WINDOW_MS);
    estimate.learn('user:a', { remainingPoints: 99, msBeforeNext: 30_000 }, T0);
    // 99 left, margin 10: 89 go ahead, the 90th waits with 10 still in the budget.
    expect(earlyRun(estimate, 'user:a')).toBe(89);
    expect(earlyRun(estimate, 'user:b')).toBe(0);
  });

  it('waits for Redis again once the window the estimate belongs to is over', () => {
    const estimate = new BudgetEstimate(100, WINDOW_MS);
    estimate.learn('user:a', { remainingPoints: 99, msBeforeNext: 30_000 }, T0);
    expect(estimate.admitEarly('user:a', T0 + 29_999)).toBe(true);
    expect(estimate.admitEarly('user:a', T0 + 30_000)).toBe(false);
  });

  it('never raises the estimate on a late answer about the same window', () => {
    const estimate = new BudgetEstimate(100, WINDOW_MS);
    estimate.learn('user:a', { remainingPoints: 20, msBeforeNext: 30_000 }, T0);
    // Sent earlier, answered later: it says more was left than is.
    estimate.learn('user:a', { remainingPoints: 90, msBeforeNext: 29_990 }, T0 + 10);
    expect(earlyRun(estimate, 'user:a')).toBe(10);
  });

  it('starts afresh with the next window, and ignores answers about a window already over', () => {
    const estimate = new BudgetEstimate(100, WINDOW_MS);
    estimate.learn('user:a', { remainingPoints: 5, msBeforeNext: 1_000 }, T0);
    expect(earlyRun(estimate, 'user:a')).toBe(0);
    const next = T0 + 1_000;
    estimate.learn('user:a', { remainingPoints: 99, msBeforeNext: WINDOW_MS }, next);
    estimate.learn('user:a', { remainingPoints: 0, msBeforeNext: 0 }, next + 5);
    expect(earlyRun(estimate, 'user:a', next + 5)).toBe(89);
  });

  it('makes a refused caller wait for Redis until the window ends', () => {
    const estimate = new BudgetEstimate(5, WINDOW_MS);
    estimate.learn('ip:198.51.100.1', { remainingPoints: 0, msBeforeNext: 2_000 }, T0);
    expect(estimate.admitEarly('ip:198.51.100.1', T0 + 1_000)).toBe(false);
  });
});
