import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { loadSubgraphConfig } from '../../platform/config.js';
import { signIdentity, type Identity } from '../../platform/identity.js';
import { startSubgraph, type RunningSubgraph } from '../../platform/subgraph.js';
import { productSubgraph } from './subgraph.js';

/**
 * Service-level test support: the product subgraph started in-process on its
 * own database, topic prefix, Redis prefix and port (4400-4499), talked to
 * over HTTP with signed identity headers, as the gateway would.
 */

export const ADMIN: Identity = { userId: '00000000-0000-7000-8000-00000000000a', roles: ['ADMIN'] };
export const CUSTOMER: Identity = {
  userId: '00000000-0000-7000-8000-00000000000c',
  roles: ['CUSTOMER'],
};

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

export interface ProductEnv {
  /** Scopes the database (`ecommerce_t_p_<name>_product`), topics and Redis keys. */
  name: string;
  runId: string;
  env: Record<string, string>;
  databaseUrl: string;
}

/** One isolated environment per test file; replicas started from it share database, Redis and topics. */
export function productEnv(name: string): ProductEnv {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    HOST: '127.0.0.1',
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/ecommerce_t_p_${name}`,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `t-p-${runId}:`,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS || 'localhost:9092',
    KAFKA_TOPIC_PREFIX: `t-p-${runId}.`,
    PRODUCT_DATABASE_URL: '',
  };
  return {
    name,
    runId,
    env,
    databaseUrl: loadSubgraphConfig('product', env).databaseUrl,
  };
}

export async function startProduct(
  target: ProductEnv,
  port: number,
  overrides: Record<string, string> = {},
): Promise<RunningSubgraph> {
  return startSubgraph(productSubgraph, {
    ...target.env,
    PRODUCT_PORT: String(port),
    ...overrides,
  });
}

/** A GraphQL request as the gateway sends it: signed identity (or none) and a trace id. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  identity: Identity | null = null,
): Promise<GraphQLResponse<T>> {
  const secret = loadSubgraphConfig('product', {}).IDENTITY_SECRET;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (identity) Object.assign(headers, signIdentity(secret, identity, randomUUID()));
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** Drops the file's database (before a run, for a clean slate, and after it). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  if (!/^ecommerce_t_p_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Removes the run's topics, consumer groups and Redis keys. */
export async function cleanUp(target: ProductEnv): Promise<void> {
  const prefix = `t-p-${target.runId}`;
  const kafka = new Kafka({
    clientId: 'product-test-cleanup',
    brokers: target.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  });
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
    // Leftovers carry the run id and harm nobody.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const redis = new Redis(target.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // as above
  } finally {
    redis.disconnect();
  }
  await dropDatabase(target.databaseUrl).catch(() => undefined);
}

export const PRODUCT_FIELDS = `
  id sku name description category archived version createdAt updatedAt
  price { amount currency }
`;

export const CREATE_PRODUCT = `
  mutation CreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      product { ${PRODUCT_FIELDS} }
      userErrors { code field message }
    }
  }`;

export const UPDATE_PRODUCT = `
  mutation UpdateProduct($input: UpdateProductInput!) {
    updateProduct(input: $input) {
      product { ${PRODUCT_FIELDS} }
      userErrors { code field message }
    }
  }`;

export const ARCHIVE_PRODUCT = `
  mutation ArchiveProduct($id: ID!) {
    archiveProduct(id: $id) {
      product { ${PRODUCT_FIELDS} }
      userErrors { code field message }
    }
  }`;

export const PRODUCT = `
  query Product($id: ID!) { product(id: $id) { ${PRODUCT_FIELDS} } }`;

export const CATALOG = `
  query Catalog($first: Int, $after: String, $search: String, $category: String) {
    products(first: $first, after: $after, filter: { search: $search, category: $category }) {
      totalCount
      edges { cursor node { id sku name category price { amount currency } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export const ENTITIES = `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Product { id name archived price { amount currency } }
    }
  }`;

export interface ProductData {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  archived: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  price: { amount: number; currency: string };
}

export interface UserErrorData {
  code: string;
  field: string[] | null;
  message: string;
}

export interface Payload {
  product: ProductData | null;
  userErrors: UserErrorData[];
}

export interface CatalogPage {
  totalCount: number;
  edges: {
    cursor: string;
    node: Pick<ProductData, 'id' | 'sku' | 'name' | 'category' | 'price'>;
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

let skuCounter = 0;
/** A SKU no other test of the run uses. */
export function uniqueSku(tag = 'SKU'): string {
  skuCounter += 1;
  return `${tag}-${Date.now().toString(36)}-${skuCounter}`;
}

/** Creates a product as the admin and returns it; fails the test on user errors. */
export async function createProduct(
  url: string,
  input: Partial<{
    sku: string;
    name: string;
    description: string | null;
    category: string;
    price: { amount: number; currency: string };
  }> = {},
): Promise<ProductData> {
  const res = await gql<{ createProduct: Payload }>(
    url,
    CREATE_PRODUCT,
    {
      input: {
        sku: uniqueSku(),
        name: 'Test product',
        category: 'Tests',
        price: { amount: 1000, currency: 'EUR' },
        ...input,
      },
    },
    ADMIN,
  );
  const payload = res.data?.createProduct;
  if (!payload?.product) {
    throw new Error(`createProduct failed: ${JSON.stringify(res.errors ?? payload?.userErrors)}`);
  }
  return payload.product;
}
