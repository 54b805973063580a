import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSubgraphConfig } from '../platform/config.js';
import { dropDatabases } from '../test/support/cleanup.js';
import { removeRunData } from './lib/cleanup.js';
import type { Bench, BenchResult } from './lib/bench.js';
import { ensureWrk } from './lib/wrk.js';
import { catalogCache } from './operations/catalog-cache.js';
import { browsingMix } from './operations/catalog-mix.js';
import { cpuMeter } from './operations/cpu.js';
import {
  DATABASE,
  RATE_LIMIT_POINTS,
  UNCACHED_GATEWAY_PORT,
  NO_COPIES_GATEWAY_PORT,
  UNCACHED_PRODUCT_PORT,
  opsEnv,
} from './operations/env.js';
import { gatewayOverhead } from './operations/gateway-overhead.js';
import { myOrders } from './operations/my-orders.js';
import { seed } from './operations/seed.js';
import { startProcesses, type OpsStack, type ProcessSpec } from './operations/stack.js';

/**
 * Our own operations through the gateway, on a production-like stack of our
 * own (bench/operations/env.ts): the gateway's overhead on ProductDetail,
 * MyOrders at 50 concurrent, and Catalog with the Redis cache and without.
 *
 *   npm run bench -- operations
 *   BENCH_SECONDS=5 npm run bench -- operations        a short run while developing
 *   BENCH_PARTS=catalog npm run bench -- operations    some of the parts (overhead, my-orders,
 *       catalog; comma-separated) while developing: the section written holds only those
 *   BENCH_CPU_PROF=gateway,order npm run bench -- operations
 *       those processes run under --cpu-prof; profiles in BENCH_CPU_PROF_DIR
 *       (default: a new temporary directory, printed) when the stack stops.
 *
 * BENCH_SECONDS (default 20) is each target's measured time per phase and
 * concurrency, split into two alternating rounds where targets are compared.
 */

const SECONDS = Math.max(2, Number(process.env.BENCH_SECONDS ?? 20));
const ROUNDS = 2;
const ROUND_SECONDS = Math.max(2, Math.round(SECONDS / ROUNDS));
const PRODUCTS = 50;
/**
 * Twice as many customers as MyOrders has connections: 50 shoppers at once, not
 * one shopper 50 times (the gateway would answer identical requests in flight
 * with one execution), and enough of them that a slow request is rarely still
 * in flight when wrk comes round to its customer again.
 */
const CUSTOMERS = 100;
const ORDERS_PER_CUSTOMER = 10;
const SUBGRAPHS = ['user', 'product', 'order', 'inventory', 'payment'] as const;
const PARTS = ['overhead', 'my-orders', 'catalog'] as const;

function partsOption(): Set<(typeof PARTS)[number]> {
  const asked = (process.env.BENCH_PARTS ?? PARTS.join(',')).split(',').map((s) => s.trim());
  const unknown = asked.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new Error(`BENCH_PARTS: unknown ${unknown.join(', ')} (known: ${PARTS.join(', ')})`);
  }
  return new Set(asked as (typeof PARTS)[number][]);
}

const urlOf = (port: number | string) => `http://127.0.0.1:${port}/graphql`;

function profileOption(runId: string) {
  const labels = new Set(
    (process.env.BENCH_CPU_PROF ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const dir =
    labels.size === 0
      ? ''
      : (process.env.BENCH_CPU_PROF_DIR ?? mkdtempSync(path.join(os.tmpdir(), `${runId}-prof-`)));
  // The profiled processes write into it on exit and cannot report a missing directory.
  if (dir) mkdirSync(dir, { recursive: true });
  return { labels, dir };
}

async function run(): Promise<BenchResult> {
  ensureWrk();
  const ops = opsEnv(SECONDS);
  const { env } = ops;
  const profile = profileOption(ops.runId);
  const parts = partsOption();
  const mainSpecs: ProcessSpec[] = [
    ...SUBGRAPHS.map((service) => ({ label: service, service, env })),
    { label: 'gateway', service: 'gateway', env },
  ];
  // Started once the first product subgraph has migrated the shared database.
  const uncachedSpecs: ProcessSpec[] = [
    { label: 'product-uncached', service: 'product', env: ops.uncachedProductEnv },
    { label: 'gateway-uncached', service: 'gateway', env: ops.uncachedGatewayEnv },
    { label: 'gateway-nocopies', service: 'gateway', env: ops.noCopiesGatewayEnv },
  ];
  const stacks: OpsStack[] = [];
  await dropDatabases(env.DATABASE_URL!, DATABASE); // a crashed run's leftovers
  try {
    console.log(`starting the stack (run ${ops.runId}, NODE_ENV=${env.NODE_ENV})…`);
    stacks.push(await startProcesses(mainSpecs, profile));
    stacks.push(await startProcesses(uncachedSpecs, profile));
    const pidOf = (label: string) => stacks.find((s) => s.has(label))!.pidOf(label);
    const pids = (labels: string[]) => Object.fromEntries(labels.map((l) => [l, pidOf(l)]));

    const gatewayUrl = urlOf(env.GATEWAY_PORT!);
    const subgraphUrls = Object.fromEntries(
      SUBGRAPHS.map((s) => [s, urlOf(env[`${s.toUpperCase()}_PORT`]!)]),
    ) as Record<(typeof SUBGRAPHS)[number], string>;
    const admin = loadSubgraphConfig('user', env);
    // Only MyOrders needs customers with orders; they take most of the seeding.
    const customers = parts.has('my-orders') ? CUSTOMERS : 0;
    const orders = `${customers} customers × ${ORDERS_PER_CUSTOMER} orders`;
    console.log(`seeding ${PRODUCTS} products, ${orders}…`);
    const seedingStarted = Date.now();
    const seeded = await seed(
      gatewayUrl,
      { email: admin.ADMIN_EMAIL, password: admin.ADMIN_PASSWORD },
      { products: PRODUCTS, customers, ordersPerCustomer: ORDERS_PER_CUSTOMER },
    );
    console.log(`seeded in ${((Date.now() - seedingStarted) / 1000).toFixed(0)} s`);

    // What the stack burns with no request at all (outbox relays, Kafka consumers):
    // it is part of every CPU figure below, and most of it at one connection.
    const idle = cpuMeter(pids([...mainSpecs, ...uncachedSpecs].map((s) => s.label)));
    await new Promise((r) => setTimeout(r, 5_000));
    const idleCores = idle
      .stop()
      .map((c) => `${c.label} ${c.cores.toFixed(3)}`)
      .join(', ');

    const sections: { markdown: string; summary: string[] }[] = [];
    if (parts.has('overhead')) {
      console.log('gateway overhead (ProductDetail)…');
      sections.push(
        await gatewayOverhead({
          gatewayUrl,
          noCopiesGatewayUrl: urlOf(NO_COPIES_GATEWAY_PORT),
          productUrl: subgraphUrls.product,
          inventoryUrl: subgraphUrls.inventory,
          identitySecret: env.IDENTITY_SECRET!,
          productIds: seeded.productIds,
          rounds: ROUNDS,
          seconds: ROUND_SECONDS,
          pids: pids(['gateway', 'gateway-nocopies', 'product', 'inventory']),
        }),
      );
    }
    if (parts.has('my-orders')) {
      console.log('MyOrders…');
      sections.push(
        await myOrders({
          gatewayUrl,
          subgraphUrls,
          tokens: seeded.customerTokens,
          ordersPerCustomer: ORDERS_PER_CUSTOMER,
          seconds: SECONDS,
          pids: pids(['gateway', ...SUBGRAPHS]),
        }),
      );
    }
    if (parts.has('catalog')) {
      console.log('Catalog, cache on and off…');
      sections.push(
        await catalogCache({
          mix: await browsingMix(urlOf(UNCACHED_GATEWAY_PORT), PRODUCTS),
          cached: { gatewayUrl, productUrl: subgraphUrls.product },
          uncached: {
            gatewayUrl: urlOf(UNCACHED_GATEWAY_PORT),
            productUrl: urlOf(UNCACHED_PRODUCT_PORT),
          },
          identitySecret: env.IDENTITY_SECRET!,
          rounds: ROUNDS,
          seconds: ROUND_SECONDS,
          pids: pids(['gateway', 'gateway-uncached', 'product', 'product-uncached', 'inventory']),
        }),
      );
    }

    const setup = [
      `Stack of its own (ports 4450-4459): the five subgraphs and the gateway, one Node process each as \`npm start\` runs them (the notifications worker is not started: no operation here reaches it), ` +
        `plus a second product subgraph with CATALOG_CACHE_TTL=0 and a second gateway in front of it (also CATALOG_CACHE_TTL=0) for the cache comparison, and a third gateway on the main subgraphs that keeps no copies of product answers (CATALOG_CACHE_TTL=0: what the gateway costs when it does call the product subgraph). ` +
        `NODE_ENV=production (secrets drawn per run), LOG_LEVEL=warn, the gateway as shipped (one process, in-flight deduplication on), rate limits on but at ${RATE_LIMIT_POINTS.toLocaleString('en')} requests per window, so every request pays the limiter's Redis round trip and none is refused. ` +
        `Seeded through the gateway with the contract's operations: ${PRODUCTS} products with stock, ${orders} (1-3 lines each), all CONFIRMED. ` +
        `Clients: wrk on the same 2 cores, sending the documents of client/operations/storefront.graphql.`,
      '',
      `CPU tables count each process's CPU from the start of a run until its last request is answered, per request answered; "rest of the machine" is PostgreSQL, Redis, Kafka, wrk and anyone else sharing it. ` +
        `With no request at all, over 5 s, the processes used (cores): ${idleCores}; at one connection that background is a large part of each request's share.`,
    ].join('\n');
    return {
      markdown: [setup, ...sections.map((s) => s.markdown)].join('\n\n'),
      summary: sections.flatMap((s) => s.summary),
    };
  } finally {
    for (const stack of stacks.reverse()) await stack.stop();
    if (profile.dir)
      console.log(`CPU profiles (${[...profile.labels].join(', ')}): ${profile.dir}`);
    await removeRunData(env, DATABASE);
  }
}

export const bench: Bench = {
  name: 'operations',
  title: 'Our own operations through the gateway',
  needsKafka: true,
  run,
};
