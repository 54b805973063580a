import { isDeepStrictEqual } from 'node:util';
import { CatalogDocument, type CatalogQueryVariables } from '../../client/__generated__/graphql.js';
import { goal, ms, ratio, table } from '../lib/report.js';
import {
  alternate,
  answer,
  cpuTable,
  gatewayTarget,
  subgraphTarget,
  type Aggregate,
} from './load.js';
import { plannedVariables } from './catalog-mix.js';
import { delta, scrape, settled } from './metrics.js';
import { rootFetch } from './query-plan.js';

/**
 * Catalog with the product subgraph's Redis cache and without it: two product
 * subgraphs on the same database and Redis, one with CATALOG_CACHE_TTL=0,
 * each behind its own gateway, measured in alternating rounds. The requests
 * are a storefront's browsing (bench/operations/catalog-mix.ts: pages,
 * categories, searches), through the gateway (what a client gets) and
 * straight to the product subgraph (the listing fetch the gateway plans; what
 * the cache itself saves). The first page alone, read over and over, is
 * measured through both gateways too: there in-flight deduplication, not the
 * cache, carries the load. The cache has two layers (decision 27): the
 * gateway's copies of product answers, then the product subgraph's pages in
 * Redis; the hit ratio is the share of the cached gateway's listing fetches
 * that neither layer sent on to PostgreSQL.
 */

const GOAL_RATIO = 5;
export const CONNECTIONS = 50;

export interface CatalogInput {
  /** Distinct Catalog requests, as the storefront sends them (found through the uncached gateway, so the cached one has read none of them yet). */
  mix: CatalogQueryVariables[];
  cached: { gatewayUrl: string; productUrl: string };
  uncached: { gatewayUrl: string; productUrl: string };
  identitySecret: string;
  rounds: number;
  seconds: number;
  pids: Record<string, number>;
}

export interface CatalogResult {
  results: Map<string, Aggregate>;
  hitRatio: number;
  markdown: string;
  summary: string[];
}

const GW_ON = 'gateway: Catalog, cache on';
const GW_OFF = 'gateway: Catalog, cache off';
const GW_ONE_ON = 'gateway: first page only, cache on';
const GW_ONE_OFF = 'gateway: first page only, cache off';
const PRODUCT_ON = 'product subgraph: its fetch, cache on';
const PRODUCT_OFF = 'product subgraph: its fetch, cache off';

export async function catalogCache(input: CatalogInput): Promise<CatalogResult> {
  const fetch = rootFetch(CatalogDocument, 'product');
  const calls = input.mix.map((variables) => ({ variables }));
  const gateways = [
    gatewayTarget(GW_ON, input.cached.gatewayUrl, CatalogDocument, calls),
    gatewayTarget(GW_OFF, input.uncached.gatewayUrl, CatalogDocument, calls),
  ];
  const firstPage = [
    gatewayTarget(GW_ONE_ON, input.cached.gatewayUrl, CatalogDocument, [{ variables: {} }]),
    gatewayTarget(GW_ONE_OFF, input.uncached.gatewayUrl, CatalogDocument, [{ variables: {} }]),
  ];
  const planned = input.mix.map(plannedVariables);
  const subgraphs = [
    subgraphTarget(PRODUCT_ON, input.cached.productUrl, fetch, planned, input.identitySecret),
    subgraphTarget(PRODUCT_OFF, input.uncached.productUrl, fetch, planned, input.identitySecret),
  ];
  // From here on, the cached subgraph's first read of each request (a miss) is counted.
  const before = await Promise.all([
    scrape(input.cached.productUrl),
    scrape(input.cached.gatewayUrl),
  ]);
  // Both modes must serve the same pages, or the comparison is void.
  if (!isDeepStrictEqual(await answer(gateways[0]!), await answer(gateways[1]!))) {
    throw new Error('the cached and uncached gateways answer Catalog differently');
  }

  const { rounds, seconds, pids } = input;
  const results = await alternate(gateways, CONNECTIONS, rounds, seconds, pids);
  const after = await Promise.all([
    settled(input.cached.productUrl, 'catalog_cache_hits_total'),
    scrape(input.cached.gatewayUrl),
  ]);
  for (const targets of [subgraphs, firstPage]) {
    for (const [label, r] of await alternate(targets, CONNECTIONS, rounds, seconds, pids)) {
      results.set(label, r);
    }
  }

  const lookups = (result: string) =>
    delta(before[1], after[1], 'gateway_catalog_cache_lookups_total', { result });
  const copies = lookups('hit');
  const fetches = copies + lookups('miss') + lookups('bypass');
  const redisHits = delta(before[0], after[0], 'catalog_cache_hits_total', { kind: 'page' });
  const postgres = delta(before[0], after[0], 'catalog_cache_misses_total', { kind: 'page' });
  // Below 1 when the gateway answered identical requests in flight with one execution.
  const fetchesPerRequest =
    delta(before[0], after[0], 'http_requests_total') /
    delta(before[1], after[1], 'http_requests_total', { operation: 'Catalog' });
  const hitRatio = (copies + redisHits) / fetches;
  const rpsOf = (label: string) => results.get(label)!.rps;
  const gatewayRatio = rpsOf(GW_ON) / rpsOf(GW_OFF);
  const subgraphRatio = rpsOf(PRODUCT_ON) / rpsOf(PRODUCT_OFF);
  const lineGateway = `Catalog through the gateway, cache on / off: ${ratio(rpsOf(GW_ON), rpsOf(GW_OFF))} req/s (${rpsOf(GW_ON).toFixed(0)} / ${rpsOf(GW_OFF).toFixed(0)}; goal ≥ ${GOAL_RATIO}×)`;
  const lineSubgraph = `Catalog's fetch on the product subgraph, cache on / off: ${ratio(rpsOf(PRODUCT_ON), rpsOf(PRODUCT_OFF))} req/s (${rpsOf(PRODUCT_ON).toFixed(0)} / ${rpsOf(PRODUCT_OFF).toFixed(0)}; goal ≥ ${GOAL_RATIO}×)`;
  // CPU per fetch is steadier than req/s when neighbours load the machine.
  const cpuOf = (target: string, process: string) => results.get(target)!.cpuMs.get(process) ?? NaN;
  const cpuLine = `CPU per listing fetch in the product subgraph: ${ms(cpuOf(PRODUCT_ON, 'product'), 2)} cached, ${ms(cpuOf(PRODUCT_OFF, 'product-uncached'), 2)} uncached (${ratio(cpuOf(PRODUCT_OFF, 'product-uncached'), cpuOf(PRODUCT_ON, 'product'))})`;
  const hitLine = `cache hit ratio ${(hitRatio * 100).toFixed(2)} % of ${fetches} listing fetches (${input.mix.length} distinct requests): ${copies} answered from the gateway's copies, ${redisHits} from Redis by the product subgraph, ${postgres} from PostgreSQL`;
  const dedupLine = `first page only, read over and over, cache on / off: ${ratio(rpsOf(GW_ONE_ON), rpsOf(GW_ONE_OFF))} req/s (${rpsOf(GW_ONE_ON).toFixed(0)} / ${rpsOf(GW_ONE_OFF).toFixed(0)})`;
  const labels = [GW_ON, GW_OFF, PRODUCT_ON, PRODUCT_OFF, GW_ONE_ON, GW_ONE_OFF];

  const markdown = [
    '### Catalog with the Redis cache and without',
    '',
    `wrk, ${CONNECTIONS} connections, ${input.rounds} alternating rounds of ${input.seconds} s per target; mean over rounds. ` +
      `Anonymous. Each connection sends, in turn, ${input.mix.length} distinct Catalog requests of a storefront's browsing: every page of the catalogue at 20 and at 10 a page (following cursors), the first page of each category, searches by part of a name and by a whole name. ` +
      '"Cache off" is a second product subgraph with CATALOG_CACHE_TTL=0 on the same database, behind a second gateway. ' +
      'The last two rows send the first page alone, over and over, as the benchmark did before 2026-11-22.',
    '',
    table(
      ['target', 'req/s', 'p50', 'p95', 'p99'],
      labels.map((label) => {
        const r = results.get(label)!;
        return [label, r.rps.toFixed(0), ms(r.p50, 2), ms(r.p95, 2), ms(r.p99, 2)];
      }),
    ),
    '',
    `- ${lineGateway}: ${goal(gatewayRatio >= GOAL_RATIO)}`,
    `- ${lineSubgraph}: ${goal(subgraphRatio >= GOAL_RATIO)}`,
    `- ${cpuLine}`,
    `- ${hitLine}, from the first read of the mix to the end of the cached gateway's runs (each distinct request misses on its first read, then only when its entry expires or the catalogue changes)`,
    `- product subgraph fetches per Catalog the cached gateway answered in the mix: ${fetchesPerRequest.toFixed(2)} (below 1 when identical requests in flight shared one execution)`,
    `- ${dedupLine}: in-flight deduplication answers nearly all of them with or without the cache`,
    '',
    cpuTable(labels.map((l) => [l, results.get(l)!])),
  ].join('\n');
  return {
    results,
    hitRatio,
    markdown,
    summary: [
      `${lineGateway}: ${gatewayRatio >= GOAL_RATIO ? 'met' : 'not met'}`,
      `${lineSubgraph}: ${subgraphRatio >= GOAL_RATIO ? 'met' : 'not met'}`,
      cpuLine,
      hitLine,
      dedupLine,
    ],
  };
}
