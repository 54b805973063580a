import { Counter, Gauge, Histogram } from 'prom-client';
import type { BreakerState } from './circuit-breaker.js';

/** Per-subgraph fetch latency, failures and breaker state, as the gateway sees them. */
export const subgraphFetchDuration = new Histogram({
  name: 'subgraph_fetch_duration_seconds',
  help: 'Time of one gateway → subgraph fetch (failures and refusals by an open breaker included).',
  labelNames: ['subgraph'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** Queries answered by an identical one already executing (in-flight deduplication). */
export const inflightShared = new Counter({
  name: 'gateway_inflight_shared_total',
  help: 'Queries that shared the execution of an identical in-flight query instead of executing.',
});

export const subgraphFetchErrors = new Counter({
  name: 'subgraph_fetch_errors_total',
  help: 'Gateway → subgraph fetches that failed (unreachable, 5xx, timeout, breaker open).',
  labelNames: ['subgraph', 'reason'] as const,
});

const breakerState = new Gauge({
  name: 'circuit_breaker_state',
  help: 'Circuit breaker per subgraph: 0 closed, 1 half-open, 2 open.',
  labelNames: ['subgraph'] as const,
  // Gateway workers each have their own breakers: report the worst, not a sum.
  aggregator: 'max',
});

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function recordBreakerState(subgraph: string, state: BreakerState): void {
  breakerState.set({ subgraph }, STATE_VALUE[state]);
}
