import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { startStack, type StackHandle } from '../scripts/lib/stack.js';
import { removeRunData } from './lib/cleanup.js';
import { buildTestEnv } from '../test/support/test-env.js';
import type { Bench, BenchResult } from './lib/bench.js';
import { goal, ms, table } from './lib/report.js';

/**
 * Order subscriptions at scale on one gateway (issue 5): N graphql-ws
 * connections, one `orderUpdated` subscription each, spread evenly over a few
 * confirmed orders; then every order is shipped at once (a burst: all orders'
 * subscribers at the same moment, the worst case) and then delivered one
 * order at a time (steady: one order's subscribers per event). Measures, per
 * subscriber, the delay from the Kafka event (the message's CreateTime, set
 * when the outbox relay published it) to the client receiving the new
 * version, and the gateway's resident memory before and after opening them.
 *
 * The clients run in BENCH_SUB_CLIENTS child processes (bench/subscriptions/
 * client-worker.ts), as they would on other machines, but on these same two
 * cores. Runs its own stack on ports 4350-4356 with databases
 * `ecommerce_bench_subs_*`, against the machine's Kafka under a private topic
 * prefix, and removes what it created.
 *
 *   npm run bench -- subscriptions
 *   BENCH_SUB_CONNECTIONS=1000 BENCH_SUB_ORDERS=10 npm run bench -- subscriptions
 */

const CONNECTIONS = Number(process.env.BENCH_SUB_CONNECTIONS ?? 10_000);
const ORDERS = Number(process.env.BENCH_SUB_ORDERS ?? 10);
const CLIENT_PROCESSES = Number(process.env.BENCH_SUB_CLIENTS ?? 2);
/** Between two orders' events in the steady round. */
const STEADY_GAP_MS = 200;
const BATCH = 250;
const DATABASE = 'ecommerce_bench_subs';

/**
 * What the burst round's p99 is made of: at the steady round's pace of
 * writing one order's updates to its subscribers (and those clients reading
 * them, on the same cores), sending every order's at once takes this long.
 */
function burstFloor(rounds: readonly Round[]): string[] {
  const steady = rounds.find((r) => r.name.startsWith('steady'));
  const burst = rounds.find((r) => r.name.startsWith('burst'));
  if (!steady || !burst) return [];
  const fanOutMs = steady.p99 - steady.kafkaToGateway - steady.resolution;
  if (!(fanOutMs > 0)) return [];
  return [
    '',
    `In the steady round, after the event reached the gateway and was resolved, its ${(CONNECTIONS / ORDERS).toLocaleString('en')} subscribers had it within ${ms(fanOutMs, 0)} (p99); the burst asks for ${ORDERS} times that many deliveries at one instant, ≈ ${ms(fanOutMs * ORDERS, 0)} at that pace on these two cores (gateway and client processes together), so its p99 measures fan-out throughput more than per-event latency.`,
  ];
}

const SUBSCRIPTION = /* GraphQL */ `
  subscription BenchOrderUpdates($orderId: ID!) {
    orderUpdated(orderId: $orderId) {
      id
      status
      version
      items {
        quantity
        product {
          name
        }
      }
      payment {
        status
      }
    }
  }
`;

const runId = `bsub${Date.now().toString(36)}`;
const env: Record<string, string> = {
  ...buildTestEnv({ runId, portOffset: 350, database: DATABASE }),
  // Not `test-…`: a test run starting meanwhile deletes every `test-` topic as stale.
  KAFKA_TOPIC_PREFIX: `bench-${runId}.`,
  REDIS_KEY_PREFIX: `bench-${runId}:`,
};
env.LOG_LEVEL = 'warn';
const httpUrl = `http://127.0.0.1:${env.GATEWAY_PORT}/graphql`;
const wsUrl = httpUrl.replace(/^http/, 'ws');

async function gql<T>(query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function setup() {
  const admin = (
    await gql<{ logIn: { accessToken: string } }>(
      'mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }',
      { i: { email: 'admin@example.com', password: 'admin-dev-password' } },
    )
  ).logIn.accessToken;
  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  const customer = (
    await gql<{ signUp: { accessToken: string } }>(
      'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }',
      { i: { email, password: 'correct-horse-battery', name: 'Bench' } },
    )
  ).signUp.accessToken;
  const sku = `BENCH-${randomUUID().slice(0, 8)}`.toUpperCase();
  const productId = (
    await gql<{ createProduct: { product: { id: string } } }>(
      'mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }',
      {
        i: {
          sku,
          name: 'Bench Kettle',
          category: 'bench',
          price: { amount: 1000, currency: 'EUR' },
        },
      },
      admin,
    )
  ).createProduct.product.id;
  await gql(
    'mutation($i: AdjustStockInput!) { adjustStock(input: $i) { product { id } } }',
    { i: { productId, delta: 1_000 } },
    admin,
  );
  const orders: string[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const placed = await gql<{ placeOrder: { order: { id: string } } }>(
      'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }',
      {
        i: {
          idempotencyKey: randomUUID(),
          items: [{ productId, quantity: 1 }],
          shippingAddress: {
            line1: '1 Bench Road',
            city: 'Berlin',
            postalCode: '10115',
            country: 'DE',
          },
          paymentMethod: 'pm_card_visa',
        },
      },
      customer,
    );
    orders.push(placed.placeOrder.order.id);
  }
  for (const id of orders) {
    for (let tries = 0; ; tries++) {
      const { order } = await gql<{ order: { status: string } }>(
        'query($id: ID!) { order(id: $id) { status } }',
        { id },
        customer,
      );
      if (order.status === 'CONFIRMED') break;
      if (tries > 200) throw new Error(`order ${id} stuck in ${order.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { admin, customer, orders };
}

/** A client process and a promise-based request/reply over its IPC channel. */
class ClientProcess {
  private readonly child: ChildProcess;
  constructor() {
    this.child = fork(fileURLToPath(new URL('./subscriptions/client-worker.ts', import.meta.url)), {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  request<T>(message: object, reply: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { type: string; message?: string }) => {
        if (m.type === 'failed') reject(new Error(m.message));
        else if (m.type === reply) resolve(m as T);
        else return;
        this.child.off('message', onMessage);
      };
      this.child.on('message', onMessage);
      this.child.send(message);
    });
  }
  close(): void {
    if (this.child.connected) this.child.send({ type: 'close' });
    setTimeout(() => this.child.kill('SIGKILL'), 2_000).unref();
  }
}

interface Round {
  name: string;
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Means over the round from the gateway's own histograms (ms). */
  kafkaToGateway: number;
  resolution: number;
}

/** Sum and count of the gateway's subscription histograms, from its /metrics. */
async function gatewayHistograms(): Promise<{
  delay: { sum: number; count: number };
  resolution: { sum: number; count: number };
}> {
  const text = await (await fetch(`http://127.0.0.1:${env.GATEWAY_PORT}/metrics`)).text();
  const read = (metric: string) => ({
    sum: Number(text.match(new RegExp(`^${metric}_sum(?:\\{[^}]*\\})? (\\S+)`, 'm'))?.[1] ?? 0),
    count: Number(text.match(new RegExp(`^${metric}_count(?:\\{[^}]*\\})? (\\S+)`, 'm'))?.[1] ?? 0),
  });
  return {
    delay: read('graphql_subscription_event_delay_seconds'),
    resolution: read('graphql_subscription_resolution_seconds'),
  };
}

/** The gateway's V8 heap in use (prom-client's default metrics), in MB. */
async function gatewayHeapMb(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${env.GATEWAY_PORT}/metrics`)).text();
  const bytes = text.match(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m)?.[1];
  return Number(bytes ?? NaN) / 2 ** 20;
}

const meanMs = (before: { sum: number; count: number }, after: { sum: number; count: number }) =>
  after.count > before.count
    ? ((after.sum - before.sum) / (after.count - before.count)) * 1000
    : NaN;

async function run(): Promise<BenchResult> {
  console.log(
    `${CONNECTIONS} connections over ${ORDERS} orders from ${CLIENT_PROCESSES} client processes (run ${runId})`,
  );
  let stack: StackHandle | null = null;
  const clients = Array.from({ length: CLIENT_PROCESSES }, () => new ClientProcess());
  const kafka = new Kafka({
    brokers: env.KAFKA_BROKERS!.split(','),
    clientId: 'bench',
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({
    groupId: `${env.KAFKA_TOPIC_PREFIX}bench-${randomUUID()}`,
    maxWaitTimeInMs: 250,
  });
  try {
    stack = await startStack({
      env,
      logPrefix: false,
      readyTimeoutMs: 180_000,
      // BENCH_PROFILE=<dir>: CPU profile on stop; SIGUSR2 writes a heap snapshot there too.
      // BENCH_GATEWAY_NODE_ARGS: extra Node flags for the gateway (e.g. heap tuning to compare).
      nodeArgs: {
        gateway: [
          ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
          ...(process.env.BENCH_PROFILE
            ? [
                '--cpu-prof',
                `--cpu-prof-dir=${process.env.BENCH_PROFILE}`,
                '--heapsnapshot-signal=SIGUSR2',
                `--diagnostic-dir=${process.env.BENCH_PROFILE}`,
              ]
            : []),
        ],
      },
    });
    const gatewayPid = stack.services.find((s) => s.name === 'gateway')!.pid;
    const { admin, customer, orders } = await setup();

    // When each (order, version) event reached Kafka, by its CreateTime.
    const published = new Map<string, number>();
    /** How late a plain consumer in this process sees each event: Kafka's own share. */
    const transport: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [`${env.KAFKA_TOPIC_PREFIX}order.events`] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value!.toString()) as {
          data: { orderId: string; version: number };
        };
        published.set(`${event.data.orderId}:${event.data.version}`, Number(message.timestamp));
        transport.push(Date.now() - Number(message.timestamp));
      },
    });

    const rssBefore = rssMb(gatewayPid);
    const heapBefore = await gatewayHeapMb();
    const opened = Date.now();
    const subscriptions = Array.from({ length: CONNECTIONS }, (_, i) => orders[i % orders.length]!);
    await Promise.all(
      clients.map((client, c) =>
        client.request(
          {
            type: 'open',
            url: wsUrl,
            token: customer,
            query: SUBSCRIPTION,
            orderIds: subscriptions.filter((_, i) => i % clients.length === c),
            batch: BATCH,
          },
          'opened',
        ),
      ),
    );
    const openMs = Date.now() - opened;
    await new Promise((r) => setTimeout(r, 2_000));
    const rssAfter = rssMb(gatewayPid);
    const heapAfter = await gatewayHeapMb();
    if (process.env.BENCH_PROFILE) {
      process.kill(gatewayPid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 15_000));
    }

    const collect = async () =>
      (
        await Promise.all(
          clients.map((client) =>
            client.request<{ items: Array<[string, number, number]> }>(
              { type: 'collect' },
              'received',
            ),
          ),
        )
      ).flatMap((r) => r.items);

    const rounds: Round[] = [];
    const measure = async (name: string, act: () => Promise<void>) => {
      await collect();
      const before = await gatewayHistograms();
      await act();
      const deadline = Date.now() + 60_000;
      const received: Array<[string, number, number]> = [];
      while (received.length < CONNECTIONS && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        received.push(...(await collect()));
      }
      const latencies = received
        .map(([id, version, at]) => at - (published.get(`${id}:${version}`) ?? NaN))
        .filter((n) => Number.isFinite(n))
        .sort((a, b) => a - b);
      const round = {
        name,
        count: received.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? NaN,
        ...(await gatewayHistograms().then((after) => ({
          kafkaToGateway: meanMs(before.delay, after.delay),
          resolution: meanMs(before.resolution, after.resolution),
        }))),
      };
      console.log(JSON.stringify(round));
      rounds.push(round);
    };
    const ship = 'mutation($id: ID!) { shipOrder(id: $id) { order { version } } }';
    const deliver = 'mutation($id: ID!) { deliverOrder(id: $id) { order { version } } }';
    await measure(`burst: all ${orders.length} orders shipped at once`, async () => {
      await Promise.all(orders.map((id) => gql(ship, { id }, admin)));
    });
    await measure(`steady: one order delivered every ${STEADY_GAP_MS} ms`, async () => {
      for (const id of orders) {
        await gql(deliver, { id }, admin);
        await new Promise((r) => setTimeout(r, STEADY_GAP_MS));
      }
    });
    const rssPeak = rssMb(gatewayPid);
    const sorted = [...transport].sort((a, b) => a - b);
    const perConnectionKb = ((rssAfter - rssBefore) * 1024) / CONNECTIONS;
    const all = rounds.every((r) => r.count === CONNECTIONS);
    const markdown = [
      `${CONNECTIONS.toLocaleString('en')} graphql-ws connections (one \`orderUpdated\` each, ${CONNECTIONS / ORDERS} per order over ${ORDERS} confirmed orders; selection across order, product and payment), opened from ${CLIENT_PROCESSES} client processes on the same machine in ${(openMs / 1000).toFixed(1)} s. Latency = client receipt − the Kafka message's CreateTime.`,
      '',
      table(
        [
          'round',
          'received',
          'p50',
          'p99',
          'max',
          'mean Kafka → gateway',
          'mean shared resolution',
        ],
        rounds.map((r) => [
          r.name,
          `${r.count} / ${CONNECTIONS}`,
          ms(r.p50, 0),
          ms(r.p99, 0),
          ms(r.max, 0),
          ms(r.kafkaToGateway, 0),
          ms(r.resolution, 0),
        ]),
      ),
      '',
      `Kafka's own share (publish → a plain consumer): p50 ${ms(percentile(sorted, 50), 0)}, p99 ${ms(percentile(sorted, 99), 0)}.`,
      '',
      `Gateway resident memory: ${rssBefore.toFixed(0)} MB before, ${rssAfter.toFixed(0)} MB with every connection open (${perConnectionKb.toFixed(1)} KB per connection), ${rssPeak.toFixed(0)} MB after both rounds; of which V8 heap in use ${heapBefore.toFixed(0)} MB before and ${heapAfter.toFixed(0)} MB with the connections open (${(((heapAfter - heapBefore) * 1024) / CONNECTIONS).toFixed(1)} KB per connection, garbage not yet collected included).`,
      '',
      `- ${CONNECTIONS.toLocaleString('en')} connections, every update delivered: ${goal(all)}`,
      // The goal is per-event latency with every connection open: the steady
      // round. The burst (every order's event at the same instant) is shown
      // against the same bound as a stretch.
      ...rounds.map((r) =>
        r.name.startsWith('steady')
          ? `- p99 < 100 ms from the Kafka event to the subscriber, events one at a time with all ${CONNECTIONS.toLocaleString('en')} connections open (steady round): ${goal(r.p99 < 100)} (${ms(r.p99, 0)})`
          : `- stretch, p99 < 100 ms with every order's event at the same instant (${r.name.split(':')[0]} round, ${CONNECTIONS.toLocaleString('en')} deliveries at once): ${goal(r.p99 < 100)} (${ms(r.p99, 0)})`,
      ),
      `- < 300 MB resident: ${goal(Math.max(rssAfter, rssPeak) < 300)} (${Math.max(rssAfter, rssPeak).toFixed(0)} MB)`,
      ...burstFloor(rounds),
    ].join('\n');
    return {
      markdown,
      summary: [
        ...rounds.map(
          (r) => `${r.name}: p50 ${ms(r.p50, 0)}, p99 ${ms(r.p99, 0)} (${r.count}/${CONNECTIONS})`,
        ),
        `gateway RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} → ${rssPeak.toFixed(0)} MB (${perConnectionKb.toFixed(1)} KB/connection)`,
      ],
    };
  } finally {
    for (const client of clients) client.close();
    await consumer.disconnect().catch(() => undefined);
    await stack?.stop();
    await removeRunData(env, DATABASE);
  }
}

export const bench: Bench = {
  name: 'subscriptions',
  title: 'Order subscriptions: up to 10,000 subscribers on one gateway',
  needsKafka: true,
  run,
};
