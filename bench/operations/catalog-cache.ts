import { isDeepStrictEqual } from 'node:util';
import { CatalogDocument } from '../../client/__generated__/graphql.js';
import { goal, ms, ratio, table } from '../lib/report.js';
import {
  alternate,
  answer,
  cpuTable,
  gatewayTarget,
  subgraphTarget,
  type Aggregate,
} from './load.js';
import { delta, scrape, settled } from './metrics.js';
import { rootFetch } from './query-plan.js';

/**
 * Catalog (the storefront's first catalogue page, 20 products with stock)
 * with the product subgraph's Redis cache and without it: two product
 * subgraphs on the same database and Redis, one with CATALOG_CACHE_TTL=0,
 * each behind its own gateway, measured in alternating rounds. Through the
 * gateway (what a client gets) and straight to the product subgraph (the
 * listing fetch the gateway plans; what the cache itself saves). The hit
 * ratio is the cached subgraph's catalog_cache_hits_total / (hits + misses)
 * over its gateway runs.
 */

const GOAL_RATIO = 5;
export const CONNECTIONS = 50;

export interface CatalogInput {
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
const PRODUCT_ON = 'product subgraph: its fetch, cache on';
const PRODUCT_OFF = 'product subgraph: its fetch, cache off';

export async function catalogCache(input: CatalogInput): Promise<CatalogResult> {
  const fetch = rootFetch(CatalogDocument, 'product');
  // The document's defaults, as the gateway passes them on: first page of 20, no filter.
  const planned = { first: 20, after: null, search: null, category: null };
  const gateways = [
    gatewayTarget(GW_ON, input.cached.gatewayUrl, CatalogDocument, [{ variables: {} }]),
    gatewayTarget(GW_OFF, input.uncached.gatewayUrl, CatalogDocument, [{ variables: {} }]),
  ];
  const subgraphs = [
    subgraphTarget(PRODUCT_ON, input.cached.productUrl, fetch, [planned], input.identitySecret),
    subgraphTarget(PRODUCT_OFF, input.uncached.productUrl, fetch, [planned], input.identitySecret),
  ];
  // Both modes must serve the same page, or the comparison is void.
  if (!isDeepStrictEqual(await answer(gateways[0]!), await answer(gateways[1]!))) {
    throw new Error('the cached and uncached gateways answer Catalog differently');
  }

  const { rounds, seconds, pids } = input;
  const before = await Promise.all([
    scrape(input.cached.productUrl),
    scrape(input.cached.gatewayUrl),
  ]);
  const results = await alternate(gateways, CONNECTIONS, rounds, seconds, pids);
  const after = await Promise.all([
    settled(input.cached.productUrl, 'catalog_cache_hits_total'),
    scrape(input.cached.gatewayUrl),
  ]);
  for (const [label, r] of await alternate(subgraphs, CONNECTIONS, rounds, seconds, pids)) {
    results.set(label, r);
  }

  const hits = delta(before[0], after[0], 'catalog_cache_hits_total');
  const misses = delta(before[0], after[0], 'catalog_cache_misses_total');
  // Below 1 when the gateway answered identical requests in flight with one execution.
  const fetchesPerRequest =
    delta(before[0], after[0], 'http_requests_total') /
    delta(before[1], after[1], 'http_requests_total', { operation: 'Catalog' });
  const hitRatio = hits / (hits + misses);
  const rpsOf = (label: string) => results.get(label)!.rps;
  const gatewayRatio = rpsOf(GW_ON) / rpsOf(GW_OFF);
  const subgraphRatio = rpsOf(PRODUCT_ON) / rpsOf(PRODUCT_OFF);
  const lineGateway = `Catalog through the gateway, cache on / off: ${ratio(rpsOf(GW_ON), rpsOf(GW_OFF))} req/s (${rpsOf(GW_ON).toFixed(0)} / ${rpsOf(GW_OFF).toFixed(0)}; goal ≥ ${GOAL_RATIO}×)`;
  const lineSubgraph = `Catalog's fetch on the product subgraph, cache on / off: ${ratio(rpsOf(PRODUCT_ON), rpsOf(PRODUCT_OFF))} req/s (${rpsOf(PRODUCT_ON).toFixed(0)} / ${rpsOf(PRODUCT_OFF).toFixed(0)}; goal ≥ ${GOAL_RATIO}×)`;
  // CPU per fetch is steadier than req/s when neighbours load the machine.
  const cpuOf = (target: string, process: string) => results.get(target)!.cpuMs.get(process) ?? NaN;
  const cpuLine = `CPU per listing fetch in the product subgraph: ${ms(cpuOf(PRODUCT_ON, 'product'), 2)} cached, ${ms(cpuOf(PRODUCT_OFF, 'product-uncached'), 2)} uncached (${ratio(cpuOf(PRODUCT_OFF, 'product-uncached'), cpuOf(PRODUCT_ON, 'product'))})`;
  const hitLine = `cache hit ratio ${(hitRatio * 100).toFixed(2)} % (${hits} hits, ${misses} misses)`;

  const markdown = [
    '### Catalog with the Redis cache and without',
    '',
    `wrk, ${CONNECTIONS} connections, ${input.rounds} alternating rounds of ${input.seconds} s per target; mean over rounds. ` +
      'Anonymous, the document\'s defaults (first page of 20, no filter). "Cache off" is a second product subgraph with CATALOG_CACHE_TTL=0 on the same database, behind a second gateway.',
    '',
    table(
      ['target', 'req/s', 'p50', 'p95', 'p99'],
      [GW_ON, GW_OFF, PRODUCT_ON, PRODUCT_OFF].map((label) => {
        const r = results.get(label)!;
        return [label, r.rps.toFixed(0), ms(r.p50, 2), ms(r.p95, 2), ms(r.p99, 2)];
      }),
    ),
    '',
    `- ${lineGateway}: ${goal(gatewayRatio >= GOAL_RATIO)}`,
    `- ${lineSubgraph}: ${goal(subgraphRatio >= GOAL_RATIO)}`,
    `- ${cpuLine}`,
    `- ${hitLine} on the cached product subgraph over its gateway runs (one listing page, read over and over: entries only expire or are invalidated)`,
    `- product subgraph fetches per Catalog the cached gateway answered: ${fetchesPerRequest.toFixed(2)} (below 1: identical requests in flight shared one execution)`,
    '',
    cpuTable([GW_ON, GW_OFF, PRODUCT_ON, PRODUCT_OFF].map((l) => [l, results.get(l)!])),
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
    ],
  };
}
