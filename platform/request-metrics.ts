import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Counter, Histogram } from 'prom-client';

/**
 * Requests and latency by operation name, for the gateway and every subgraph
 * (`http_requests_total`, `graphql_request_duration_seconds`). Operation names
 * come from clients, so the label is bounded: names that are not plain
 * identifiers, and any name beyond the first MAX_NAMES seen, count as `other`;
 * unnamed operations as `anonymous`.
 */
const MAX_NAMES = 200;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

const requests = new Counter({
  name: 'http_requests_total',
  help: 'GraphQL requests answered, by operation name.',
  labelNames: ['operation'] as const,
});
const duration = new Histogram({
  name: 'graphql_request_duration_seconds',
  help: 'Time from receiving a GraphQL request to sending its response, by operation name.',
  labelNames: ['operation'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});
const seen = new Set<string>();

export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!NAME.test(name)) return 'other';
  if (seen.has(name)) return name;
  if (seen.size >= MAX_NAMES) return 'other';
  seen.add(name);
  return name;
}

export function requestMetricsPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      // In-process executions (the gateway resolving subscription updates) are not HTTP requests.
      if (!request.http) return;
      const stop = duration.startTimer();
      return {
        async willSendResponse({ operationName, request }) {
          const operation = operationLabel(operationName ?? request.operationName);
          requests.inc({ operation });
          stop({ operation });
        },
      };
    },
  };
}
