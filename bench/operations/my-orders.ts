import { MyOrdersDocument, type MyOrdersQuery } from '../../client/__generated__/graphql.js';
import { goal, ms, table } from '../lib/report.js';
import { REST, type CpuShare } from './cpu.js';
import {
  aggregate,
  alternate,
  answer,
  cpuTable,
  gatewayTarget,
  measure,
  measureWithCpu,
  type Aggregate,
} from './load.js';
import { delta, scrape, settled, type Samples } from './metrics.js';

/**
 * MyOrders (a customer's last ten orders: user → order → product, inventory
 * and payment) at 50 concurrent connections through the gateway, each
 * request with one of the customers' tokens in turn: different customers at
 * once, as in production, rather than one customer fifty times (identical
 * requests in flight would be answered by one execution). Beside the latency: how many
 * fetches each subgraph got per operation and how long they took (the
 * gateway's and the subgraph's own metrics), and where the CPU went.
 */

const GOAL_P95_MS = 25;
export const CONNECTIONS = 50;
const SUBGRAPHS = ['user', 'order', 'product', 'inventory', 'payment'] as const;

export interface MyOrdersInput {
  gatewayUrl: string;
  subgraphUrls: Record<(typeof SUBGRAPHS)[number], string>;
  /** One per customer; each customer has `ordersPerCustomer` CONFIRMED orders. */
  tokens: string[];
  ordersPerCustomer: number;
  seconds: number;
  /** Process ids by label, for the CPU breakdown. */
  pids: Record<string, number>;
}

export interface MyOrdersResult {
  loaded: Aggregate;
  single: Aggregate;
  cpu: CpuShare[];
  markdown: string;
  summary: string[];
}

/** The answer must be real rows from every subgraph, or the figures mean nothing. */
function checkAnswer(data: MyOrdersQuery, expectedOrders: number): void {
  const orders = data.me?.orders;
  const complete =
    orders?.totalCount === expectedOrders &&
    orders.edges.length === Math.min(10, expectedOrders) &&
    orders.edges.every(
      ({ node }) =>
        node.status === 'CONFIRMED' &&
        node.payment?.status &&
        node.items.length > 0 &&
        node.items.every((i) => i.product.name && i.product.inventory),
    );
  if (!complete) throw new Error(`MyOrders answered incomplete data: ${JSON.stringify(data)}`);
}

/** The gateway once its in-flight requests are done, then every subgraph. */
async function scrapeAll([gateway, ...subgraphs]: string[]): Promise<Samples[]> {
  const first = await settled(gateway!, 'http_requests_total');
  return [first, ...(await Promise.all(subgraphs.map(scrape)))];
}

export async function myOrders(input: MyOrdersInput): Promise<MyOrdersResult> {
  const calls = input.tokens.map((token) => ({ variables: {}, token }));
  const target = gatewayTarget('gateway: MyOrders', input.gatewayUrl, MyOrdersDocument, calls);
  const check = async () => {
    for (const data of await answer(target)) {
      checkAnswer(data as MyOrdersQuery, input.ordersPerCustomer);
    }
  };
  await check();

  // One connection first: the time of one MyOrders with no queueing, to read the p95 against.
  const single = (await alternate([target], 1, 1, input.seconds, input.pids)).get(target.label)!;

  await measure(target, CONNECTIONS, Math.min(3, input.seconds)); // warm-up
  const urls = [input.gatewayUrl, ...SUBGRAPHS.map((s) => input.subgraphUrls[s])];
  const before = await scrapeAll(urls);
  const run = await measureWithCpu(target, CONNECTIONS, input.seconds, input.pids);
  const after = await scrapeAll(urls);
  await check();
  const loaded = aggregate([run]);
  const cpu = run.cpu;
  console.log(
    `  MyOrders c=${CONNECTIONS}: ${loaded.rps.toFixed(0)} req/s, p50 ${loaded.p50.toFixed(2)} ms, p95 ${loaded.p95.toFixed(2)} ms, p99 ${loaded.p99.toFixed(2)} ms`,
  );

  const [gwBefore, gwAfter] = [before[0]!, after[0]!];
  const operations = delta(gwBefore, gwAfter, 'http_requests_total', { operation: 'MyOrders' });
  const fetchErrors = delta(gwBefore, gwAfter, 'subgraph_fetch_errors_total');
  const perSubgraph = SUBGRAPHS.map((name, i) => {
    const labels = { subgraph: name };
    const count = delta(gwBefore, gwAfter, 'subgraph_fetch_duration_seconds_count', labels);
    const sum = delta(gwBefore, gwAfter, 'subgraph_fetch_duration_seconds_sum', labels);
    const own = [before[i + 1]!, after[i + 1]!] as const;
    const served = delta(...own, 'graphql_request_duration_seconds_count');
    const inside = delta(...own, 'graphql_request_duration_seconds_sum');
    return [
      name,
      (count / operations).toFixed(2),
      ms((sum / count) * 1000, 2),
      ms((inside / served) * 1000, 2),
    ];
  });
  const gatewayMean =
    (delta(gwBefore, gwAfter, 'graphql_request_duration_seconds_sum', { operation: 'MyOrders' }) /
      operations) *
    1000;

  // Little's law: 50 requests always in flight wait 50 / throughput on average.
  const stackCpuMs = [...loaded.cpuMs].filter(([l]) => l !== REST).reduce((a, [, v]) => a + v, 0);
  const restCpuMs = loaded.cpuMs.get(REST) ?? 0;
  const neededRps = (CONNECTIONS * 1000) / GOAL_P95_MS;
  const ceiling =
    `Ceiling: one MyOrders costs ${stackCpuMs.toFixed(1)} ms of CPU in the stack's processes (+ ${restCpuMs.toFixed(1)} ms elsewhere: PostgreSQL, Redis, wrk, neighbours), ` +
    `so 2 cores serve at most ≈ ${(2000 / (stackCpuMs + restCpuMs)).toFixed(0)} req/s, and ${CONNECTIONS} requests always in flight wait ≈ ${CONNECTIONS} / throughput each. ` +
    `A p95 under ${GOAL_P95_MS} ms at ${CONNECTIONS} connections needs ≥ ${neededRps.toFixed(0)} req/s, i.e. ≤ ${(2000 / neededRps).toFixed(1)} ms of CPU per MyOrders on this machine, everything included.`;
  const met = loaded.p95 < GOAL_P95_MS;
  const line = `MyOrders p95 at ${CONNECTIONS} connections: ${ms(loaded.p95, 2)} at ${loaded.rps.toFixed(0)} req/s (goal < ${GOAL_P95_MS} ms)`;
  const markdown = [
    '### MyOrders at 50 concurrent',
    '',
    `wrk, ${input.tokens.length} customers' tokens in turn, each customer with ${input.ordersPerCustomer} CONFIRMED orders of 1-3 lines; the first page of 10 asked (the document's default). ` +
      `${CONNECTIONS} connections for ${input.seconds} s after a warm-up; one connection for ${input.seconds} s before, for the time of one request without queueing.`,
    '',
    table(
      ['connections', 'req/s', 'p50', 'p95', 'p99'],
      [
        ['1', single.rps.toFixed(0), ms(single.p50, 2), ms(single.p95, 2), ms(single.p99, 2)],
        [
          String(CONNECTIONS),
          loaded.rps.toFixed(0),
          ms(loaded.p50, 2),
          ms(loaded.p95, 2),
          ms(loaded.p99, 2),
        ],
      ],
    ),
    '',
    `- ${line}: ${goal(met)}`,
    '',
    ceiling,
    '',
    `During the ${CONNECTIONS}-connection run: the gateway's own mean time per MyOrders ${ms(gatewayMean, 2)}; subgraph fetch errors: ${fetchErrors}; ` +
      `fetches per MyOrders below 1 would mean some requests in flight were identical (same customer) and shared one execution.`,
    '',
    table(
      [
        'subgraph',
        'fetches per MyOrders',
        'mean fetch (gateway view)',
        'mean time inside the subgraph',
      ],
      perSubgraph,
    ),
    '',
    `CPU per MyOrders, and cores busy during the ${CONNECTIONS}-connection run (2 in all): ` +
      cpu.map((c) => `${c.label} ${c.cores.toFixed(2)}`).join(', '),
    '',
    cpuTable([
      ['1 connection', single],
      [`${CONNECTIONS} connections`, loaded],
    ]),
  ].join('\n');
  return { loaded, single, cpu, markdown, summary: [`${line}: ${met ? 'met' : 'not met'}`] };
}
