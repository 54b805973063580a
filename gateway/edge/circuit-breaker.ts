import CircuitBreaker from 'opossum';
import type { Logger } from '../../platform/logger.js';

/**
 * One breaker per subgraph. A subgraph that keeps failing (unreachable, 5xx,
 * slower than its timeout) is not called at all for `resetMs`: callers get an
 * immediate SUBGRAPH_UNAVAILABLE on the fields it owns instead of waiting on
 * it, and the subgraph gets room to recover. After `resetMs` one request is
 * let through (half-open); its success closes the breaker again.
 */
export interface BreakerSettings {
  /** Per-call time limit; a slower answer counts as a failure. */
  timeoutMs: number;
  /** Percentage of failed calls in the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Calls in the window before the percentage is judged (so one early error does not open it). */
  volumeThreshold: number;
  /** How long the breaker stays open before a half-open probe. */
  resetMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export function stateOf(breaker: CircuitBreaker): BreakerState {
  if (breaker.opened) return 'open';
  if (breaker.halfOpen) return 'half-open';
  return 'closed';
}

export function createSubgraphBreaker<TArgs extends unknown[], TResult>(
  subgraph: string,
  call: (...args: TArgs) => Promise<TResult>,
  settings: BreakerSettings,
  logger: Logger,
  onState: (state: BreakerState) => void = () => undefined,
): CircuitBreaker<TArgs, TResult> {
  const breaker = new CircuitBreaker<TArgs, TResult>(call, {
    name: subgraph,
    timeout: settings.timeoutMs,
    errorThresholdPercentage: settings.errorThresholdPercentage,
    volumeThreshold: settings.volumeThreshold,
    resetTimeout: settings.resetMs,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
    // The open/close decision counts calls and failures only. Latency
    // percentiles (every call's time kept, the window sorted again each second
    // and on every failure) and per-second snapshots had no reader: metrics
    // time calls themselves (subgraph_fetch_duration_seconds).
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
  });
  breaker.on('open', () => {
    logger.warn({ subgraph, resetMs: settings.resetMs }, 'circuit breaker opened');
    onState('open');
  });
  breaker.on('halfOpen', () => {
    logger.info({ subgraph }, 'circuit breaker half-open: probing');
    onState('half-open');
  });
  breaker.on('close', () => {
    logger.info({ subgraph }, 'circuit breaker closed');
    onState('closed');
  });
  return breaker;
}
