import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Configuration comes from the environment, validated once at start-up.
 * Every default below is for local development only; production deployments
 * must set the secrets (start-up refuses the development secrets when
 * NODE_ENV=production).
 */

export const SERVICE_NAMES = ['user', 'product', 'order', 'inventory', 'payment'] as const;
export type SubgraphName = (typeof SERVICE_NAMES)[number];
/** Processes without GraphQL that consume events (and serve only health and metrics). */
export const WORKER_NAMES = ['notifications'] as const;
export type WorkerName = (typeof WORKER_NAMES)[number];
export type ServiceName = SubgraphName | 'gateway' | WorkerName;

export const DEFAULT_PORTS: Record<SubgraphName | WorkerName | 'gateway', number> = {
  gateway: 4000,
  user: 4001,
  product: 4002,
  order: 4003,
  inventory: 4004,
  payment: 4005,
  notifications: 4006,
};

const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-in-production-0123456789';
const DEV_IDENTITY_SECRET = 'dev-only-identity-secret-change-me-in-production-0123';

/** Thrown for a missing or malformed variable; entry points print its one line and exit 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce.number().int().min(1).max(65535);

/** `15m`, `30s`, `250ms`, `2h`, or a bare number of seconds → milliseconds. */
export const duration = z.string().transform((value, ctx) => {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration like 900, 30s, 15m or 250ms' });
    return z.NEVER;
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 's'] ?? 1000;
  return Number(match[1]) * unit;
});

const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL');

const commonShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Server and base database name; each service uses `<name>_<service>` on that server. */
  DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/ecommerce'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  /** Prefix for every Redis key, so several stacks (a dev stack, a test run) share one Redis. */
  REDIS_KEY_PREFIX: z.string().default('ecom:'),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]')
    .default('localhost:9092'),
  /** Prefix for every topic and consumer group, so test runs never meet a dev stack's events. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'may contain only letters, digits, ".", "_" and "-"')
    .default(''),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
  IDENTITY_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .default(DEV_IDENTITY_SECRET),
  /** How long a signed identity header stays valid (clock skew included). */
  IDENTITY_MAX_AGE: duration.prefault('60s'),
  SHUTDOWN_TIMEOUT: duration.prefault('10s'),
};

/**
 * Lifetime of catalogue cache entries, in the product subgraph (Redis) and in
 * the gateway (its copies of product answers); `0` turns that cache off.
 */
const catalogCacheTtl = duration.prefault('300s');

const subgraphShape = {
  ...commonShape,
  ADMIN_EMAIL: z.string().email().default('admin@example.com'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').default('admin-dev-password'),
  ACCESS_TOKEN_TTL: duration.prefault('15m'),
  REFRESH_TOKEN_TTL: duration.prefault('30d'),
  ORDER_TTL: duration.prefault('15m'),
  CATALOG_CACHE_TTL: catalogCacheTtl,
  /**
   * placeOrder admission (order service, decision 14): new orders are refused
   * with RATE_LIMITED once the saga's events wait this long (smoothed) before
   * the order consumer handles them, and admitted again once they wait no
   * longer than ORDER_ADMISSION_RESUME_DELAY. Normal load stays well under a
   * second on a 2-core machine.
   */
  ORDER_ADMISSION_SHED_DELAY: duration.prefault('4s'),
  ORDER_ADMISSION_RESUME_DELAY: duration.prefault('1500ms'),
  /**
   * placeOrder calls in progress in one order process, or how long the oldest
   * has waited for a database slot, beyond which a new one is refused.
   */
  ORDER_ADMISSION_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(128),
  ORDER_ADMISSION_MAX_QUEUE_WAIT: duration.prefault('5s'),
  /** placeOrder transactions at once per order process (of its 10 pooled connections). */
  ORDER_PLACE_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(6),
};

const gatewayShape = {
  ...commonShape,
  GATEWAY_PORT: port.default(DEFAULT_PORTS.gateway),
  CATALOG_CACHE_TTL: catalogCacheTtl,
  /** Bound on the gateway's copies of product answers per process, in MiB (decision 27). */
  GATEWAY_CATALOG_CACHE_MB: z.coerce.number().int().min(1).default(64),
  USER_URL: z.string().url().optional(),
  PRODUCT_URL: z.string().url().optional(),
  ORDER_URL: z.string().url().optional(),
  INVENTORY_URL: z.string().url().optional(),
  PAYMENT_URL: z.string().url().optional(),
  /**
   * A composed supergraph to serve instead of schema/supergraph.graphql (the
   * gateway benchmark serves the Guild's four subgraphs with it). Subgraphs it
   * names that are not ours are reached at the URL the supergraph gives.
   */
  SUPERGRAPH_FILE: z.string().min(1).optional(),
  /** Query limits at the edge (gateway/edge/query-limits.ts): refused with QUERY_TOO_COMPLEX. */
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(20),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(10).default(3000),
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(5000),
  /** Largest JSON request body accepted, in bytes; larger → 413 BAD_USER_INPUT. */
  MAX_REQUEST_BODY_BYTES: z.coerce.number().int().min(1024).default(262_144),
  /**
   * Requests per window per user (or per IP when anonymous), shared across gateways via Redis.
   * 20/s sustained: far above a person's browsing, well below a scraper or a flood.
   */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(1).default(1200),
  /** The smaller budget of operations that call placeOrder, per user (or IP) and window: 2/s. */
  RATE_LIMIT_PLACE_ORDER_POINTS: z.coerce.number().int().min(1).default(120),
  RATE_LIMIT_WINDOW: duration.prefault('60s'),
  /**
   * placeOrder operations one gateway forwards at once; the next wait up to
   * PLACE_ORDER_QUEUE_WAIT for a turn, then get RATE_LIMITED (decision 14).
   */
  PLACE_ORDER_CONCURRENCY: z.coerce.number().int().min(1).default(32),
  PLACE_ORDER_QUEUE_WAIT: duration.prefault('8s'),
  /**
   * Load shedding: while the gateway's event loop runs later than this, new
   * requests get RATE_LIMITED at once (decision 23); 0 turns it off.
   */
  OVERLOAD_DELAY: duration.prefault('1s'),
  /** Per-call limit on a subgraph fetch; `<NAME>_TIMEOUT` (e.g. INVENTORY_TIMEOUT) overrides it. */
  SUBGRAPH_TIMEOUT: duration.prefault('10s'),
  USER_TIMEOUT: duration.optional(),
  PRODUCT_TIMEOUT: duration.optional(),
  ORDER_TIMEOUT: duration.optional(),
  INVENTORY_TIMEOUT: duration.optional(),
  PAYMENT_TIMEOUT: duration.optional(),
  /** Circuit breakers: % of failed calls (over ≥ BREAKER_VOLUME_THRESHOLD in 10 s) that opens one. */
  BREAKER_ERROR_THRESHOLD: z.coerce.number().int().min(1).max(100).default(50),
  BREAKER_VOLUME_THRESHOLD: z.coerce.number().int().min(1).default(5),
  /** How long an open breaker waits before letting one probe through. */
  BREAKER_RESET_TIMEOUT: duration.prefault('10s'),
  /**
   * Gateway processes sharing the port (gateway/cluster.ts); `auto` = one per
   * core. 1 (the default) runs a single process, as in development.
   */
  GATEWAY_WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)])
    .default(1)
    .transform((value) => (value === 'auto' ? availableParallelism() : value)),
  /**
   * In-flight deduplication (gateway/edge/inflight-dedup.ts): an identical query
   * from the same caller scope, arriving while one executes, shares its result.
   */
  INFLIGHT_DEDUP: z.enum(['on', 'off']).default('on'),
  /**
   * Which proxies in front of the gateway to believe about the client's
   * address (X-Forwarded-For), as Express' `trust proxy`: empty (the default)
   * believes none, so a client cannot pick its own address and escape the
   * per-IP rate limit; a hop count (`1`) or addresses and subnets
   * (`loopback, 10.0.0.0/8`) name the load balancers that set it.
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((value): string | number | false => {
      const trimmed = value.trim();
      if (trimmed === '') return false;
      return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
    }),
  /**
   * Origins whose browser pages may call the API (CORS), comma-separated
   * (`https://shop.example.com, https://admin.example.com`), or `*` for any;
   * empty (the default) allows none (gateway/edge/cors.ts).
   */
  CORS_ORIGINS: z.string().default(''),
  /** `apq`: automatic persisted queries in Redis; `trusted`: only client/persisted-documents.json. */
  PERSISTED_DOCUMENTS: z.enum(['apq', 'trusted']).default('apq'),
  /** How long an automatically persisted query stays in Redis after it was registered. */
  APQ_TTL: duration.prefault('24h'),
};

const notificationsShape = {
  ...commonShape,
  /** Health and metrics only: the worker serves no GraphQL. */
  NOTIFICATIONS_PORT: port.default(DEFAULT_PORTS.notifications),
};

const subgraphSchema = z
  .object(subgraphShape)
  .refine((c) => c.ORDER_ADMISSION_RESUME_DELAY < c.ORDER_ADMISSION_SHED_DELAY, {
    message: 'must be below ORDER_ADMISSION_SHED_DELAY',
    path: ['ORDER_ADMISSION_RESUME_DELAY'],
  });
const notificationsSchema = z.object(notificationsShape);
const gatewaySchema = z.object(gatewayShape);

export type CommonConfig = z.infer<z.ZodObject<typeof commonShape>>;
export type SubgraphConfig = z.infer<typeof subgraphSchema> & {
  service: SubgraphName;
  port: number;
  databaseUrl: string;
};
export type WorkerConfig = CommonConfig & {
  service: WorkerName;
  port: number;
  databaseUrl: string;
};
/** What the shared runtime (database, Kafka, outbox relay, consumers) needs of any service. */
export type ServiceConfig = CommonConfig & {
  service: SubgraphName | WorkerName;
  port: number;
  databaseUrl: string;
};
export type GatewayConfig = z.infer<typeof gatewaySchema> & {
  subgraphUrls: Record<SubgraphName, string>;
};

function parse<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path.join('.') ?? '?';
    throw new ConfigError(`configuration error: ${name} ${issue?.message ?? 'is invalid'}`);
  }
  const config = result.data as CommonConfig;
  if (config.NODE_ENV === 'production') {
    if (config.JWT_SECRET === DEV_JWT_SECRET) {
      throw new ConfigError('configuration error: JWT_SECRET must be set in production');
    }
    if (config.IDENTITY_SECRET === DEV_IDENTITY_SECRET) {
      throw new ConfigError('configuration error: IDENTITY_SECRET must be set in production');
    }
  }
  return result.data;
}

/** `postgres://h/ecommerce` + `user` → `postgres://h/ecommerce_user` unless `USER_DATABASE_URL` is set. */
export function serviceDatabaseUrl(
  service: SubgraphName | WorkerName,
  env: NodeJS.ProcessEnv,
  base: string,
): string {
  const override = env[`${service.toUpperCase()}_DATABASE_URL`];
  if (override) {
    if (!postgresUrl.safeParse(override).success) {
      throw new ConfigError(
        `configuration error: ${service.toUpperCase()}_DATABASE_URL must be a postgres:// URL`,
      );
    }
    return override;
  }
  const url = new URL(base);
  const dbName = url.pathname.replace(/^\//, '') || 'ecommerce';
  url.pathname = `/${dbName}_${service}`;
  return url.toString();
}

export function loadSubgraphConfig(
  service: SubgraphName,
  env: NodeJS.ProcessEnv = process.env,
): SubgraphConfig {
  const base = parse(subgraphSchema, env);
  const portVar = `${service.toUpperCase()}_PORT`;
  const portResult = port.default(DEFAULT_PORTS[service]).safeParse(env[portVar] || undefined);
  if (!portResult.success) {
    throw new ConfigError(`configuration error: ${portVar} must be a port number (1-65535)`);
  }
  return {
    ...base,
    service,
    port: portResult.data,
    databaseUrl: serviceDatabaseUrl(service, env, base.DATABASE_URL),
  };
}

export function loadWorkerConfig(
  service: WorkerName,
  env: NodeJS.ProcessEnv = process.env,
): WorkerConfig {
  const { NOTIFICATIONS_PORT, ...base } = parse(notificationsSchema, env);
  return {
    ...base,
    service,
    port: NOTIFICATIONS_PORT,
    databaseUrl: serviceDatabaseUrl(service, env, base.DATABASE_URL),
  };
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const base = parse(gatewaySchema, env);
  const subgraphUrls = Object.fromEntries(
    SERVICE_NAMES.map((name) => {
      const explicit = base[`${name.toUpperCase()}_URL` as keyof typeof base] as string | undefined;
      const portVar = env[`${name.toUpperCase()}_PORT`];
      const p = portVar ? Number(portVar) : DEFAULT_PORTS[name];
      return [name, explicit ?? `http://127.0.0.1:${p}/graphql`];
    }),
  ) as Record<SubgraphName, string>;
  return { ...base, subgraphUrls };
}
