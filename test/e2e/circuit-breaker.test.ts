import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AdjustStockDocument,
  CreateProductDocument,
  LogInDocument,
  ProductDetailDocument,
} from '../../client/__generated__/graphql.js';
import { startStack, type StackHandle } from '../../scripts/lib/stack.js';
import { gql } from '../support/client.js';
import { dropDatabases } from '../support/cleanup.js';
import { eventually } from '../support/fixtures.js';
import { buildTestEnv } from '../support/test-env.js';

/**
 * A small stack of its own (ports 4301-4304, databases ecommerce_test_edge_*),
 * so stopping its inventory subgraph disturbs no other test. Breakers open
 * after 3 calls and probe again after 1 s.
 */
const DATABASE = 'ecommerce_test_edge';
const env: Record<string, string> = {
  ...buildTestEnv({
    runId: inject('testRunId'),
    portOffset: 300,
    database: DATABASE,
    scope: 'edge',
  }),
  KAFKA_BROKERS: inject('testEnv').KAFKA_BROKERS!,
  BREAKER_VOLUME_THRESHOLD: '3',
  BREAKER_RESET_TIMEOUT: '1s',
};
const gatewayLines: string[] = [];
let stack: StackHandle;
let inventory: StackHandle | null = null;
let url: string;

beforeAll(async () => {
  stack = await startStack({
    env,
    services: ['user', 'product', 'inventory', 'gateway'],
    logPrefix: false,
    onLine: (service, line) => {
      if (service === 'gateway') gatewayLines.push(line);
    },
  });
  url = stack.gatewayUrl!;
});

afterAll(async () => {
  await inventory?.stop();
  await stack?.stop();
  await dropDatabases(env.DATABASE_URL!, DATABASE).catch(() => []);
});

async function productWithStock(): Promise<string> {
  const login = await gql(
    LogInDocument,
    { input: { email: 'admin@example.com', password: 'admin-dev-password' } },
    { url },
  );
  const token = login.data!.logIn.accessToken!;
  const created = await gql(
    CreateProductDocument,
    {
      input: {
        sku: `EDGE-${Date.now()}`,
        name: 'Breaker Lamp',
        description: 'Lights up when a subgraph is down',
        category: 'test',
        price: { amount: 2500, currency: 'EUR' },
      },
    },
    { url, token },
  );
  const id = created.data!.createProduct.product!.id;
  await gql(AdjustStockDocument, { input: { productId: id, delta: 4 } }, { url, token });
  return id;
}

/** The inventory breaker's gauge on this stack's gateway: 0 closed, 1 half-open, 2 open. */
async function breakerState(): Promise<string | undefined> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('circuit_breaker_state{') && l.includes('subgraph="inventory"'));
  return line?.split(' ').pop();
}

async function waitForExit(pid: number): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`process ${pid} did not exit`);
}

describe('circuit breakers per subgraph', () => {
  it('answers without inventory while inventory is down (one SUBGRAPH_UNAVAILABLE, other fields served), opens the breaker, and answers fully once inventory is back', async () => {
    const id = await productWithStock();
    const full = await gql(ProductDetailDocument, { id }, { url });
    expect(full.errors).toBeUndefined();
    expect(full.data?.product?.inventory).toEqual({ available: 4, inStock: true });

    const pid = stack.services.find((s) => s.name === 'inventory')!.pid;
    process.kill(pid, 'SIGTERM');
    await waitForExit(pid);

    // The product page still answers: everything but inventory, which is null
    // with one SUBGRAPH_UNAVAILABLE error saying why (no host, no stack).
    for (let i = 0; i < 5; i += 1) {
      const detail = await gql(ProductDetailDocument, { id }, { url });
      expect(detail.data?.product).toMatchObject({
        id,
        name: 'Breaker Lamp',
        price: { amount: expect.any(Number) },
        inventory: null,
      });
      expect(detail.errors).toHaveLength(1);
      expect(detail.errors?.[0]).toMatchObject({
        message: 'The inventory service is unavailable',
        extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
      });
    }
    expect(gatewayLines.some((l) => l.includes('circuit breaker opened'))).toBe(true);
    expect(await breakerState()).toBe('2');

    inventory = await startStack({ env, services: ['inventory'], logPrefix: false });
    let answer = await gql(ProductDetailDocument, { id }, { url });
    for (let i = 0; i < 50 && answer.errors; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      answer = await gql(ProductDetailDocument, { id }, { url });
    }
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.product?.inventory).toEqual({ available: 4, inStock: true });
    // The log line travels on the gateway's stdout, which may trail its HTTP answer.
    await eventually(async () => gatewayLines.some((l) => l.includes('circuit breaker closed')), {
      timeoutMs: 5_000,
      what: "the gateway's 'circuit breaker closed' log line",
    });
    expect(await breakerState()).toBe('0');
  });
});
