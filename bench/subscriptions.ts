import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createClient, type Client } from 'graphql-ws';
import { Kafka, logLevel } from 'kafkajs';
import WebSocket from 'ws';
import { startStack, type StackHandle } from '../scripts/lib/stack.js';
import { deleteKafkaNames, deleteRedisKeys, dropDatabases } from '../test/support/cleanup.js';
import { buildTestEnv } from '../test/support/test-env.js';

/**
 * Order subscriptions at scale on one gateway: N graphql-ws connections (one
 * subscription each, spread over a few orders), then the orders are shipped
 * and delivered. Measures, per subscriber, the delay from the Kafka event
 * (the message's CreateTime, set when the outbox relay published it) to the
 * client receiving the new version, and the gateway's resident memory before
 * and after opening the connections.
 *
 * Runs its own stack on ports 4350-4356 with databases `ecommerce_bench_subs_*`,
 * against the machine's Kafka (KAFKA_BROKERS, default localhost:9092) under a
 * private topic prefix, and removes what it created. The client side runs in
 * this one process, so its own event loop is part of the measured latency.
 *
 * Usage: node --import tsx bench/subscriptions.ts [connections=10000] [orders=10]
 */

const CONNECTIONS = Number(process.argv[2] ?? 10_000);
const ORDERS = Number(process.argv[3] ?? 10);
const BATCH = 250;
const DATABASE = 'ecommerce_bench_subs';

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

interface Update {
  orderUpdated: { id: string; status: string; version: number };
}

const runId = `bsub${Date.now().toString(36)}`;
const env = buildTestEnv({ runId, portOffset: 350, database: DATABASE });
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

async function main() {
  console.log(`bench: ${CONNECTIONS} connections over ${ORDERS} orders (run ${runId})`);
  let stack: StackHandle | null = null;
  const clients: Client[] = [];
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
    stack = await startStack({ env, logPrefix: false, readyTimeoutMs: 180_000 });
    const gatewayPid = stack.services.find((s) => s.name === 'gateway')!.pid;
    const { admin, customer, orders } = await setup();

    // When each (order, version) event reached Kafka, by its CreateTime.
    const published = new Map<string, number>();
    /** How late a plain consumer in this process sees each event: Kafka's own share. */
    const transport: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [`${env.KAFKA_TOPIC_PREFIX}order.events`] });
    await consumer.run({
      // Measure Kafka's share of the latency, not this consumer's polling interval.
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value!.toString()) as {
          data: { orderId: string; version: number };
        };
        published.set(`${event.data.orderId}:${event.data.version}`, Number(message.timestamp));
        transport.push(Date.now() - Number(message.timestamp));
      },
    });

    const rssBefore = rssMb(gatewayPid);
    const received: Array<{ key: string; at: number }> = [];
    const opened = Date.now();
    for (let start = 0; start < CONNECTIONS; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, CONNECTIONS - start) }, (_, i) => {
        const orderId = orders[(start + i) % orders.length]!;
        const client = createClient({
          url: wsUrl,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${customer}` },
          retryAttempts: 0,
          lazy: false,
          onNonLazyError: () => {},
        });
        clients.push(client);
        return new Promise<void>((resolve, reject) => {
          let first = true;
          client.subscribe<Update>(
            { query: SUBSCRIPTION, variables: { orderId } },
            {
              next: ({ data }) => {
                if (first) {
                  first = false;
                  resolve();
                  return;
                }
                const u = data!.orderUpdated;
                received.push({ key: `${u.id}:${u.version}`, at: Date.now() });
              },
              error: (err) => reject(new Error(JSON.stringify(err))),
              complete: () => {},
            },
          );
        });
      });
      await Promise.all(batch);
    }
    const openMs = Date.now() - opened;
    await new Promise((r) => setTimeout(r, 2_000));
    const rssAfter = rssMb(gatewayPid);

    const rounds: Array<{ name: string; p50: number; p99: number; max: number; count: number }> =
      [];
    for (const [name, mutation] of [
      ['ship', 'mutation($id: ID!) { shipOrder(id: $id) { order { version } } }'],
      ['deliver', 'mutation($id: ID!) { deliverOrder(id: $id) { order { version } } }'],
    ] as const) {
      received.length = 0;
      await Promise.all(orders.map((id) => gql(mutation, { id }, admin)));
      const deadline = Date.now() + 60_000;
      while (received.length < CONNECTIONS && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 500));
      const latencies = received
        .map((r) => r.at - (published.get(r.key) ?? NaN))
        .filter((n) => Number.isFinite(n))
        .sort((a, b) => a - b);
      rounds.push({
        name,
        count: received.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? NaN,
      });
    }
    const rssPeak = rssMb(gatewayPid);

    const cpu = os.cpus();
    console.log(
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: `${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
          connections: CONNECTIONS,
          orders: ORDERS,
          openSeconds: openMs / 1000,
          gatewayRssMb: {
            before: Math.round(rssBefore),
            afterOpen: Math.round(rssAfter),
            afterRounds: Math.round(rssPeak),
          },
          kbPerConnection: Math.round(((rssAfter - rssBefore) * 1024) / CONNECTIONS),
          rounds,
          kafkaToPlainConsumerMs: {
            p50: percentile(
              [...transport].sort((a, b) => a - b),
              50,
            ),
            p99: percentile(
              [...transport].sort((a, b) => a - b),
              99,
            ),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await consumer.disconnect().catch(() => undefined);
    await stack?.stop();
    const mine = (name: string) => name.startsWith(env.KAFKA_TOPIC_PREFIX!);
    await deleteKafkaNames(env.KAFKA_BROKERS!, mine).catch(() => undefined);
    await deleteRedisKeys(env.REDIS_URL!, `${env.REDIS_KEY_PREFIX}*`).catch(() => 0);
    await dropDatabases(env.DATABASE_URL!, DATABASE).catch(() => []);
  }
}

await main();
process.exit(0);
