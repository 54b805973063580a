/**
 * Service-level test harness for the order subgraph: starts it in-process on
 * its own database, topic prefix, Redis prefix and port, and talks to it the
 * way the gateway does (signed identity headers). Never mocks PostgreSQL or
 * Kafka. Used by the *.test.ts files beside it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadSubgraphConfig } from '../../platform/config.js';
import { buildEnvelope, topicOf, domainOf } from '../../platform/events/index.js';
import type { EventData, EventEnvelope, EventType } from '../../platform/events/contracts.js';
import { signIdentity, type Identity } from '../../platform/identity.js';
import { uuidv7 } from '../../platform/ids.js';
import { startSubgraph, type RunningSubgraph } from '../../platform/subgraph.js';
import { applyProductEvent } from './services/catalog-projection.js';
import { orderSubgraph } from './subgraph.js';

const BASE_DATABASE = 'ecommerce_t_order';
const SERVICE_DATABASE = `${BASE_DATABASE}_order`;

export interface TestOrderService {
  running: RunningSubgraph;
  url: string;
  topicPrefix: string;
  /** A fresh EntityManager on the service's database. */
  em(): EntityManager;
  /** Raw SQL on the service's database, for assertions on what was (not) written. */
  sql<Row extends object>(query: string, params?: unknown[]): Promise<Row[]>;
  /** Publishes an event on the broker as another service's relay would. */
  publish<T extends EventType>(
    type: T,
    aggregateId: string,
    aggregateVersion: number,
    data: EventData<T>,
  ): Promise<EventEnvelope<T>>;
  stop(): Promise<void>;
}

/** Starts the order subgraph on a clean database; `port` from 4400-4499, one per test file. */
export async function startOrderService(
  port: number,
  extraEnv: Record<string, string> = {},
): Promise<TestOrderService> {
  await dropServiceDatabase();
  const topicPrefix = `t-order-${randomUUID().slice(0, 8)}.`;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL || 'warn',
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${BASE_DATABASE}`,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS || 'localhost:9092',
    KAFKA_TOPIC_PREFIX: topicPrefix,
    REDIS_KEY_PREFIX: `${topicPrefix.replace(/\.$/, ':')}`,
    ORDER_PORT: String(port),
    ...extraEnv,
  };
  const running = await startSubgraph(orderSubgraph, env);
  const pool = new pg.Pool({ connectionString: running.runtime.config.databaseUrl, max: 2 });
  const kafka = new Kafka({
    clientId: 'order-test-publisher',
    brokers: running.runtime.config.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  let producer: Producer | null = null;

  return {
    running,
    url: running.url,
    topicPrefix,
    em: () => running.runtime.orm.em.fork(),
    async sql<Row extends object>(query: string, params: unknown[] = []) {
      return (await pool.query(query, params)).rows as Row[];
    },
    async publish(type, aggregateId, aggregateVersion, data) {
      if (!producer) {
        producer = kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
      }
      const envelope = buildEnvelope({ type, aggregateId, aggregateVersion, data });
      await producer.send({
        topic: `${topicPrefix}${topicOf(domainOf(type))}`,
        messages: [
          { key: aggregateId, value: JSON.stringify(envelope), headers: { 'event-type': type } },
        ],
      });
      return envelope;
    },
    async stop() {
      await producer?.disconnect();
      await running.stop();
      await pool.end();
      await deleteTopicsAndGroups(kafka, topicPrefix);
    },
  };
}

async function dropServiceDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${SERVICE_DATABASE}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Leaves nothing of this run on the shared broker. */
async function deleteTopicsAndGroups(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 });
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(prefix));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
  } catch {
    // Best effort: a leftover test topic is clutter, not a failure.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/** Sends an operation straight to the subgraph, signed as the gateway would for `identity`. */
export async function gql<T = Record<string, unknown>>(
  service: TestOrderService,
  query: string,
  variables: Record<string, unknown> = {},
  identity: Identity | null = null,
): Promise<GraphQLResponse<T>> {
  const secret = loadSubgraphConfig('order', {}).IDENTITY_SECRET;
  const headers = identity ? signIdentity(secret, identity, randomUUID()) : {};
  const res = await fetch(service.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

export const customer = (): Identity => ({ userId: uuidv7(), roles: ['CUSTOMER'] });
export const admin = (): Identity => ({ userId: uuidv7(), roles: ['CUSTOMER', 'ADMIN'] });

export interface SeedProduct {
  productId?: string;
  sku?: string;
  name?: string;
  price?: number;
  currency?: string;
  active?: boolean;
  version?: number;
}

/** Puts a product into the catalogue projection through the same handler the consumer calls. */
export async function seedProduct(
  service: TestOrderService,
  product: SeedProduct = {},
): Promise<string> {
  const productId = product.productId ?? uuidv7();
  const version = product.version ?? 1;
  await service.em().transactional((em) =>
    applyProductEvent(em, {
      id: uuidv7(),
      type: product.active === false ? 'product.archived' : 'product.created',
      occurredAt: new Date().toISOString(),
      aggregateId: productId,
      aggregateVersion: version,
      traceId: null,
      data: {
        productId,
        sku: product.sku ?? `SKU-${productId.slice(-8)}`,
        name: product.name ?? 'Test product',
        category: 'test',
        price: { amount: product.price ?? 1999, currency: product.currency ?? 'EUR' },
        active: product.active ?? true,
      },
    }),
  );
  return productId;
}

export const ADDRESS = { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' };

/** A valid placeOrder input for the given products (one unit each unless told). */
export function orderInput(
  items: { productId: string; quantity?: number }[],
  overrides: Record<string, unknown> = {},
) {
  return {
    idempotencyKey: randomUUID(),
    items: items.map((i) => ({ productId: i.productId, quantity: i.quantity ?? 1 })),
    shippingAddress: ADDRESS,
    paymentMethod: 'pm_card_visa',
    ...overrides,
  };
}

export const ORDER_FIELDS = `
  id status statusReason version createdAt updatedAt
  total { amount currency }
  items { quantity unitPrice { amount currency } lineTotal { amount currency } product { id } }
  shippingAddress { line1 city postalCode country }
  customer { id }
`;

export const PLACE_ORDER = `
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) { order { ${ORDER_FIELDS} } userErrors { code field message } }
  }`;

export interface OrderView {
  id: string;
  status: string;
  statusReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  total: { amount: number; currency: string };
  items: {
    quantity: number;
    unitPrice: { amount: number; currency: string };
    lineTotal: { amount: number; currency: string };
    product: { id: string };
  }[];
  shippingAddress: typeof ADDRESS;
  customer: { id: string };
}

export interface UserErrorView {
  code: string;
  field: string[] | null;
  message: string;
}

export interface PlaceOrderResult {
  placeOrder: { order: OrderView | null; userErrors: UserErrorView[] };
}

/** Places an order and insists it worked. */
export async function placeOrder(
  service: TestOrderService,
  identity: Identity,
  input: ReturnType<typeof orderInput>,
): Promise<OrderView> {
  const res = await gql<PlaceOrderResult>(service, PLACE_ORDER, { input }, identity);
  const order = res.data?.placeOrder.order;
  if (!order) throw new Error(`placeOrder failed: ${JSON.stringify(res)}`);
  return order;
}

/** Outbox rows recorded for an aggregate, oldest first. */
export async function outboxEvents(service: TestOrderService, aggregateId: string) {
  return service.sql<{ type: string; payload: EventEnvelope }>(
    'SELECT type, payload FROM outbox WHERE key = $1 ORDER BY seq',
    [aggregateId],
  );
}
