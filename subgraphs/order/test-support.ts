/**
 * Service-level test support for the order subgraph, on the shared harness
 * (test/support/subgraph-harness.ts): its own database, topic prefix, Redis
 * prefix and port per test file, signed identity headers as the gateway
 * sends them, real PostgreSQL and Kafka. Adds what order tests need on top:
 * raw SQL, events published as other services would, catalogue seeding.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { EntityManager } from '@mikro-orm/postgresql';
import { buildEnvelope, topicOf, domainOf } from '../../platform/events/index.js';
import type { EventData, EventEnvelope, EventType } from '../../platform/events/contracts.js';
import type { Identity } from '../../platform/identity.js';
import { uuidv7 } from '../../platform/ids.js';
import type { RunningSubgraph } from '../../platform/subgraph.js';
import { eventually } from '../../test/support/fixtures.js';
import { subgraphHarness, type Call } from '../../test/support/subgraph-harness.js';
import { applyProductEvent } from './services/catalog-projection.js';
import { orderSubgraph } from './subgraph.js';

export interface TestOrderService {
  running: RunningSubgraph;
  url: string;
  topicPrefix: string;
  /** Sends an operation straight to the subgraph, signed as the gateway would for `identity`. */
  call: Call;
  /** A fresh EntityManager on the service's database. */
  em(): EntityManager;
  /** Raw SQL on the service's database, for assertions on what was (not) written. */
  sql<Row extends object>(query: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Publishes an event on the broker as another service's relay would;
   * `occurredAt` (default now) dates it, e.g. as an event that waited in a backlog.
   */
  publish<T extends EventType>(
    type: T,
    aggregateId: string,
    aggregateVersion: number,
    data: EventData<T>,
    occurredAt?: Date,
  ): Promise<EventEnvelope<T>>;
  /** Stops the service and removes its database, topics, groups and Redis keys. */
  stop(): Promise<void>;
}

/**
 * Starts the order subgraph on a database of its own; `name` ([a-z0-9]+) and
 * `port` (4400-4499) one per test file.
 */
export async function startOrderService(
  name: string,
  port: number,
  extraEnv: Record<string, string> = {},
): Promise<TestOrderService> {
  const harness = subgraphHarness(orderSubgraph, { name, port, env: extraEnv });
  const running = await harness.start();
  const topicPrefix = harness.topicPrefix;
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
    call: running.call,
    em: () => running.runtime.orm.em.fork(),
    async sql<Row extends object>(query: string, params: unknown[] = []) {
      return (await pool.query(query, params)).rows as Row[];
    },
    async publish(type, aggregateId, aggregateVersion, data, occurredAt) {
      if (!producer) {
        producer = kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
      }
      const envelope = buildEnvelope({ type, aggregateId, aggregateVersion, data });
      if (occurredAt) envelope.occurredAt = occurredAt.toISOString();
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
      await pool.end();
      await harness.cleanUp();
    },
  };
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
  const res = await service.call<PlaceOrderResult>(PLACE_ORDER, { input }, identity);
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

/**
 * Puts the saga `lateMs` behind as the order consumer sees it: the order's
 * stock is reported reserved that long ago, and this returns once the
 * consumer has handled the event (the order is AWAITING_PAYMENT).
 */
export async function sagaBehind(
  service: TestOrderService,
  orderId: string,
  lateMs: number,
): Promise<void> {
  await service.publish(
    'inventory.reserved',
    orderId,
    1,
    { orderId },
    new Date(Date.now() - lateMs),
  );
  await eventually(
    async () =>
      (
        await service.sql<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId])
      )[0]?.status === 'AWAITING_PAYMENT',
    { timeoutMs: 20_000, what: `order ${orderId} to handle the late event` },
  );
}
