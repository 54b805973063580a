import { Kind, visit, type DocumentNode } from 'graphql';
import { ProductDetailDocument } from '../../client/__generated__/graphql.js';
import { goal, ms, table } from '../lib/report.js';
import {
  alternate,
  cpuTable,
  gatewayTarget,
  measure,
  subgraphTarget,
  type Aggregate,
  type Target,
} from './load.js';
import { delta, scrape, settled } from './metrics.js';
import { plannedFetches, rootFetch } from './query-plan.js';

/**
 * Gateway overhead on ProductDetail: the storefront's operation through the
 * gateway against the same product selection sent straight to the product
 * subgraph (the fetch the gateway's plan sends it, with the headers it adds).
 * The gateway as shipped answers the product part from its copies of product
 * answers (decision 27) and asks inventory for the stock; a second gateway
 * without the copies shows what the federation costs when it does call the
 * product subgraph. ProductDetail's plan has a second hop (inventory, for
 * `Product.inventory`), so two more targets split that gateway's difference:
 * the operation without `inventory` through it (one hop: the gateway's own
 * cost), and the inventory fetch straight to the inventory subgraph.
 */

const GOAL_MS = 1.5;
export const CONNECTIONS = [1, 10];

const GATEWAY = 'gateway: ProductDetail';
const DIRECT = 'product subgraph: its fetch';
const NO_COPIES = 'gateway without copies: ProductDetail';
const ONE_HOP = 'gateway without copies: ProductDetail without inventory';
const INVENTORY = 'inventory subgraph: its fetch';

/** ProductDetail minus `inventory`: the plan keeps only the product fetch. */
function withoutInventory(document: DocumentNode): DocumentNode {
  return visit(document, {
    Field: (node) => (node.name.value === 'inventory' ? null : undefined),
    OperationDefinition: (node) => ({
      ...node,
      name: { kind: Kind.NAME, value: 'ProductDetailWithoutInventory' },
    }),
  });
}

export interface OverheadInput {
  gatewayUrl: string;
  /** A gateway as shipped but with CATALOG_CACHE_TTL=0: every product part is fetched. */
  noCopiesGatewayUrl: string;
  productUrl: string;
  inventoryUrl: string;
  identitySecret: string;
  productIds: string[];
  rounds: number;
  seconds: number;
  /** gateway, gateway-nocopies, product, inventory: their CPU per request. */
  pids: Record<string, number>;
}

export interface OverheadResult {
  byConnections: Map<number, Map<string, Aggregate>>;
  markdown: string;
  summary: string[];
}

export async function gatewayOverhead(input: OverheadInput): Promise<OverheadResult> {
  // Every product in turn: requests in flight at once differ, as different shoppers' do.
  const variables = input.productIds.map((id) => ({ id }));
  const calls = variables.map((v) => ({ variables: v }));
  const inventoryFetch = plannedFetches(ProductDetailDocument).find(
    (f) => f.serviceName === 'inventory',
  );
  if (!inventoryFetch) throw new Error('ProductDetail no longer fetches from inventory');
  const targets = [
    gatewayTarget(GATEWAY, input.gatewayUrl, ProductDetailDocument, calls),
    subgraphTarget(
      DIRECT,
      input.productUrl,
      rootFetch(ProductDetailDocument, 'product'),
      variables,
      input.identitySecret,
    ),
    gatewayTarget(NO_COPIES, input.noCopiesGatewayUrl, ProductDetailDocument, calls),
    gatewayTarget(
      ONE_HOP,
      input.noCopiesGatewayUrl,
      withoutInventory(ProductDetailDocument),
      calls,
    ),
    subgraphTarget(
      INVENTORY,
      input.inventoryUrl,
      inventoryFetch,
      input.productIds.map((id) => ({ representations: [{ __typename: 'Product', id }] })),
      input.identitySecret,
    ),
  ];

  const byConnections = new Map<number, Map<string, Aggregate>>();
  for (const connections of CONNECTIONS) {
    byConnections.set(
      connections,
      await alternate(targets, connections, input.rounds, input.seconds, input.pids),
    );
  }

  const rows: string[][] = [];
  const goals: string[] = [];
  const summary: string[] = [];
  for (const [connections, results] of byConnections) {
    for (const target of targets) {
      const r = results.get(target.label)!;
      rows.push([
        String(connections),
        target.label,
        r.rps.toFixed(0),
        ms(r.p50, 2),
        ms(r.p95, 2),
        ms(r.p99, 2),
      ]);
    }
    const at = (label: string) => results.get(label)!.p50;
    const overhead = at(GATEWAY) - at(DIRECT);
    const line = `ProductDetail p50 at ${connections} connection(s): gateway ${ms(at(GATEWAY), 2)} vs product subgraph ${ms(at(DIRECT), 2)}: +${ms(overhead, 2)} (goal ≤ +${GOAL_MS} ms)`;
    goals.push(`- ${line}: ${goal(overhead <= GOAL_MS)}`);
    summary.push(`${line}: ${overhead <= GOAL_MS ? 'met' : 'not met'}`);
    goals.push(
      `  - without the gateway's copies of product answers: ${ms(at(NO_COPIES), 2)}, +${ms(at(NO_COPIES) - at(DIRECT), 2)}; ` +
        `of which the gateway's own cost on one hop (without inventory − product subgraph): +${ms(at(ONE_HOP) - at(DIRECT), 2)}, ` +
        `the inventory hop (ProductDetail − without inventory): +${ms(at(NO_COPIES) - at(ONE_HOP), 2)}, ` +
        `the inventory subgraph itself answering in ${ms(at(INVENTORY), 2)}`,
    );
  }

  const split = await splitOneRequest(input, targets[0]!);
  goals.push(split);

  const markdown = [
    '### Gateway overhead: ProductDetail',
    '',
    `wrk, ${input.rounds} alternating rounds of ${input.seconds} s per target and concurrency; figures are the mean over rounds. ` +
      `Each target asks for the ${input.productIds.length} products in turn. ` +
      'Subgraph targets get the fetch the gateway plans for ProductDetail (from the committed supergraph), with a signed anonymous identity and a trace id, as the gateway sends them.',
    '',
    table(['connections', 'target', 'req/s', 'p50', 'p95', 'p99'], rows),
    '',
    ...goals,
    '',
    cpuTable(
      [...byConnections].flatMap(([connections, results]) =>
        targets.map((t): [string, Aggregate] => [
          `${t.label}, ${connections} conn.`,
          results.get(t.label)!,
        ]),
      ),
    ),
  ].join('\n');
  return { byConnections, markdown, summary };
}

/**
 * One connection, ProductDetail through the gateway alone: where one request's
 * time goes, from the services' own metrics (the gateway's view of each
 * subgraph call against the time the subgraph itself spent on it).
 */
async function splitOneRequest(input: OverheadInput, gateway: Target): Promise<string> {
  const urls = [input.gatewayUrl, input.productUrl, input.inventoryUrl];
  const before = await Promise.all(urls.map(scrape));
  await measure(gateway, 1, input.seconds);
  const after = [
    await settled(input.gatewayUrl, 'http_requests_total'),
    ...(await Promise.all(urls.slice(1).map(scrape))),
  ];
  const mean = (i: number, name: string, labels: Record<string, string> = {}) =>
    (delta(before[i]!, after[i]!, `${name}_sum`, labels) /
      delta(before[i]!, after[i]!, `${name}_count`, labels)) *
    1000;
  const request = mean(0, 'graphql_request_duration_seconds', { operation: 'ProductDetail' });
  const fetch = (subgraph: string) => mean(0, 'subgraph_fetch_duration_seconds', { subgraph });
  const lookups = (result: string) =>
    delta(before[0]!, after[0]!, 'gateway_catalog_cache_lookups_total', { result });
  const copies = lookups('hit') / (lookups('hit') + lookups('miss') + lookups('bypass'));
  const product =
    copies === 1
      ? 'its product part answered from its copies every time'
      : `its product part answered from its copies ${(copies * 100).toFixed(1)} % of the time, ` +
        `the product call otherwise ${ms(fetch('product'), 2)} as the gateway sees it (${ms(mean(1, 'graphql_request_duration_seconds'), 2)} inside the product subgraph)`;
  return (
    `  - one ProductDetail at 1 connection, by the services' metrics: ${ms(request, 2)} in the gateway's request pipeline; ` +
    `${product}; its inventory call ${ms(fetch('inventory'), 2)} (${ms(mean(2, 'graphql_request_duration_seconds'), 2)} inside the inventory subgraph)`
  );
}
