import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { ProductDetailDocument } from '../../client/__generated__/graphql.js';
import { gatewayUrl, gql } from '../support/client.js';
import { metricsOf } from '../support/metrics.js';

/** The value of the first sample of `name` whose labels include every `labels` pair. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return null;
}

describe('/metrics', () => {
  it('exposes requests and latency by operation, subgraph fetches and breaker state on the gateway', async () => {
    const before = sample(await metricsOf(gatewayUrl()), 'http_requests_total', {
      operation: 'ProductDetail',
    });
    const { errors } = await gql(ProductDetailDocument, { id: randomUUID() });
    expect(errors).toBeUndefined();
    const text = await metricsOf(gatewayUrl());

    expect(sample(text, 'http_requests_total', { operation: 'ProductDetail' })).toBe(
      (before ?? 0) + 1,
    );
    expect(
      sample(text, 'graphql_request_duration_seconds_count', { operation: 'ProductDetail' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'subgraph_fetch_duration_seconds_count', { subgraph: 'product' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE subgraph_fetch_errors_total counter');
    for (const subgraph of ['user', 'product', 'order', 'inventory', 'payment']) {
      expect(sample(text, 'circuit_breaker_state', { subgraph })).toBe(0);
    }
    expect(text).toContain('# TYPE rate_limiter_unavailable_total counter');
    expect(text).toContain('# TYPE graphql_subscriptions_open gauge');
  });

  it('exposes requests and latency by operation and the event series on a subgraph', async () => {
    await gql(ProductDetailDocument, { id: randomUUID() });
    const text = await metricsOf(inject('serviceUrls').product!);
    expect(text).toMatch(/^http_requests_total\{[^}]*operation="[A-Za-z_]+/m);
    expect(text).toMatch(/^graphql_request_duration_seconds_bucket\{/m);
    expect(text).toContain('# TYPE kafka_messages_produced_total counter');
    expect(text).toContain('# TYPE outbox_backlog gauge');
    expect(text).toContain('# TYPE catalog_cache_hits_total counter');
  });
});
