import { randomBytes } from 'node:crypto';
import { buildTestEnv } from '../../test/support/test-env.js';

/**
 * The environment of the operations benchmark's stack: ports 4450-4459,
 * databases `ecommerce_bench_ops_<service>`, and a topic / Redis key prefix of
 * its own that does not start with `test-` (a test run starting meanwhile
 * sweeps every `test-` name as stale).
 *
 * Production-like on purpose: NODE_ENV=production (no introspection, no
 * landing page; it needs real secrets, so each run draws its own), the
 * gateway as shipped (in-flight deduplication on, one process) and the rate
 * limiter on, with budgets no load of this benchmark reaches, so every
 * request still pays its Redis round trip but none is refused.
 */

export const DATABASE = 'ecommerce_bench_ops';
export const PORT_OFFSET = 450;
/** The second product subgraph, with the catalogue cache turned off, and the gateway in front of it. */
export const UNCACHED_PRODUCT_PORT = 4457;
export const UNCACHED_GATEWAY_PORT = 4458;
/** A gateway on the main stack's subgraphs that keeps no product answers (decision 27). */
export const NO_COPIES_GATEWAY_PORT = 4459;
/** Far above what wrk sends in a window (a few thousand requests a second at most). */
export const RATE_LIMIT_POINTS = 100_000_000;

export interface OpsEnv {
  runId: string;
  /** Every service of the main stack. */
  env: Record<string, string>;
  /** The product subgraph with CATALOG_CACHE_TTL=0. */
  uncachedProductEnv: Record<string, string>;
  /** A gateway whose product subgraph is the uncached one, keeping no product answers of its own. */
  uncachedGatewayEnv: Record<string, string>;
  /** A gateway as shipped but for its copies of product answers, on the main stack's subgraphs. */
  noCopiesGatewayEnv: Record<string, string>;
  prefix: string;
}

export function opsEnv(benchSeconds: number): OpsEnv {
  const runId = `bops${Date.now().toString(36)}`;
  const prefix = `bench-${runId}`;
  const env: Record<string, string> = {
    ...buildTestEnv({ runId, portOffset: PORT_OFFSET, database: DATABASE }),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    IDENTITY_SECRET: randomBytes(32).toString('base64url'),
    KAFKA_TOPIC_PREFIX: `${prefix}.`,
    REDIS_KEY_PREFIX: `${prefix}:`,
    RATE_LIMIT_POINTS: String(RATE_LIMIT_POINTS),
    RATE_LIMIT_PLACE_ORDER_POINTS: String(RATE_LIMIT_POINTS),
    // Direct subgraph requests carry an identity header signed once per wrk run.
    IDENTITY_MAX_AGE: `${benchSeconds + 60}s`,
    // The customers' tokens must outlive the whole run.
    ACCESS_TOKEN_TTL: '2h',
    // As shipped (the default), pinned: one gateway process, whose /metrics the phases read.
    GATEWAY_WORKERS: '1',
  };
  const uncachedProductUrl = `http://127.0.0.1:${UNCACHED_PRODUCT_PORT}/graphql`;
  return {
    runId,
    env,
    uncachedProductEnv: {
      ...env,
      PRODUCT_PORT: String(UNCACHED_PRODUCT_PORT),
      CATALOG_CACHE_TTL: '0',
    },
    uncachedGatewayEnv: {
      ...env,
      GATEWAY_PORT: String(UNCACHED_GATEWAY_PORT),
      PRODUCT_URL: uncachedProductUrl,
      // The gateway's copies of product answers are the catalogue cache's first layer.
      CATALOG_CACHE_TTL: '0',
    },
    noCopiesGatewayEnv: {
      ...env,
      GATEWAY_PORT: String(NO_COPIES_GATEWAY_PORT),
      CATALOG_CACHE_TTL: '0',
    },
    prefix,
  };
}
