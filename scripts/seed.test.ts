import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadGatewayConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { newTraceId } from '../platform/context.js';
import { HttpRoutes } from '../platform/http/router.js';
import { graphqlHandler } from '../platform/http/graphql.js';
import { startSubgraph, type RunningSubgraph } from '../platform/subgraph.js';
import { authenticate } from '../gateway/auth.js';
import type { GatewayContext } from '../gateway/context.js';
import { SubgraphDataSource } from '../gateway/datasource.js';
import { userSubgraph } from '../subgraphs/user/subgraph.js';
import { inventorySubgraph } from '../subgraphs/inventory/subgraph.js';
import { productSubgraph } from '../subgraphs/product/subgraph.js';
import { isolatedEnv } from '../test/support/subgraph-harness.js';
import { readSubgraphSources } from './lib/compose.js';
import { DEMO_CATALOGUE, seed } from './seed.js';

/**
 * The start-up seed against a real, isolated stack: user, product and
 * inventory subgraphs behind an Apollo gateway composed from their schema
 * files (not the committed supergraph, so the test follows the schemas).
 */

const target = isolatedEnv('seed', { logLevel: 'error' });
const env = { ...target.env, USER_PORT: '4475', PRODUCT_PORT: '4476', INVENTORY_PORT: '4477' };
const services: RunningSubgraph[] = [];
let gatewayServer: http.Server | null = null;
let apollo: ApolloServer<GatewayContext> | null = null;
let gatewayUrl: string;

async function startGateway(): Promise<string> {
  const config = loadGatewayConfig(env);
  const logger = createLogger('gateway', 'silent');
  const names = ['user', 'product', 'inventory'];
  const composed = composeServices(
    readSubgraphSources()
      .filter((s) => names.includes(s.name))
      .map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const { supergraphSdl } = composed;
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) =>
      new SubgraphDataSource(
        name,
        config.subgraphUrls[name as 'user'],
        config.IDENTITY_SECRET,
        logger,
      ),
  });
  const routes = new HttpRoutes();
  gatewayServer = http.createServer(routes.listener(logger));
  apollo = new ApolloServer<GatewayContext>({
    gateway,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer: gatewayServer })],
  });
  await apollo.start();
  routes.all(
    '/graphql',
    graphqlHandler(apollo, {
      bodyLimit: config.MAX_REQUEST_BODY_BYTES,
      context: async (req) => ({
        ...(await authenticate(config.JWT_SECRET, req.headers)),
        traceId: newTraceId(),
      }),
    }),
  );
  await new Promise<void>((resolve) => gatewayServer!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(gatewayServer!.address() as AddressInfo).port}/graphql`;
}

async function stopGateway() {
  await apollo?.stop();
  apollo = null;
  gatewayServer = null;
}

async function catalogue() {
  const res = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `{ products(first: 100) {
        totalCount
        edges { node { sku category price { amount currency } inventory { onHand available } } }
      } }`,
    }),
  });
  const body = (await res.json()) as {
    data: {
      products: {
        totalCount: number;
        edges: {
          node: {
            sku: string;
            category: string;
            price: { amount: number; currency: string };
            inventory: { onHand: number; available: number };
          };
        }[];
      };
    };
  };
  return body.data.products;
}

beforeAll(async () => {
  services.push(await startSubgraph(userSubgraph, env));
  services.push(await startSubgraph(productSubgraph, env));
  services.push(await startSubgraph(inventorySubgraph, env));
  gatewayUrl = await startGateway();
});

afterAll(async () => {
  await stopGateway();
  for (const service of services.reverse()) await service.stop();
  // The user, product and inventory databases, topics, groups and Redis keys.
  await target.cleanUp();
});

describe('seed', () => {
  it('fills an empty catalogue with the demo products, in three categories, each with stock', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await seed(gatewayUrl, env);
    const products = await catalogue();
    expect(products.totalCount).toBe(DEMO_CATALOGUE.length);
    expect(new Set(products.edges.map((e) => e.node.category)).size).toBe(3);
    for (const demo of DEMO_CATALOGUE) {
      const node = products.edges.find((e) => e.node.sku === demo.sku)?.node;
      expect(node).toMatchObject({
        price: { amount: demo.price, currency: 'EUR' },
        inventory: { onHand: demo.stock, available: demo.stock },
      });
    }
  });

  it('changes nothing when run again', async () => {
    const before = await catalogue();
    await seed(gatewayUrl, env);
    expect(await catalogue()).toEqual(before);
  });

  it('refuses to go on with a wrong admin password, saying why', async () => {
    await expect(seed(gatewayUrl, { ...env, ADMIN_PASSWORD: 'not-the-password' })).rejects.toThrow(
      /could not sign in as the admin/,
    );
  });
});
