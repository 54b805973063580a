import { DEFAULT_PORTS, SERVICE_NAMES, WORKER_NAMES } from '../../platform/config.js';

/**
 * The environment a test stack runs with. It shares the machine's servers
 * (PostgreSQL, Redis, the Kafka broker) with a development stack but nothing
 * else: its own databases (`ecommerce_test_<service>`), its own topic and
 * consumer-group prefix, its own Redis key prefix and its own ports. Every
 * variable name is one platform/config.ts reads.
 */

export const TEST_DATABASE = 'ecommerce_test';
export const TEST_PORT_OFFSET = 100;

export function newRunId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** The developer's server, with the run's own database name. */
function databaseUrl(name: string, source: NodeJS.ProcessEnv): string {
  const url = new URL(source.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/ecommerce');
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestEnvOptions {
  runId: string;
  /** Added to each default port: 100 gives 4100-4106. */
  portOffset?: number;
  /** Base database name; services append `_<service>`. */
  database?: string;
  /** Extra scope inside the run (e.g. `infra`), so a test's own services stay apart too. */
  scope?: string;
  source?: NodeJS.ProcessEnv;
}

export function buildTestEnv(options: TestEnvOptions): Record<string, string> {
  const source = options.source ?? process.env;
  const offset = options.portOffset ?? TEST_PORT_OFFSET;
  const scope = options.scope ? `${options.scope}.` : '';
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: source.TEST_LOG_LEVEL || 'info',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl(options.database ?? TEST_DATABASE, source),
    REDIS_URL: source.REDIS_URL || 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `test-${options.runId}:${scope.replace('.', ':')}`,
    KAFKA_BROKERS: source.KAFKA_BROKERS || 'localhost:9092',
    KAFKA_TOPIC_PREFIX: `test-${options.runId}.${scope}`,
    GATEWAY_PORT: String(DEFAULT_PORTS.gateway + offset),
  };
  for (const name of SERVICE_NAMES) {
    const upper = name.toUpperCase();
    env[`${upper}_PORT`] = String(DEFAULT_PORTS[name] + offset);
    // A developer's shell may point these at the dev stack; empty means unset.
    env[`${upper}_URL`] = '';
    env[`${upper}_DATABASE_URL`] = '';
  }
  // Workers serve no GraphQL, so the gateway needs no URL for them.
  for (const name of WORKER_NAMES) {
    env[`${name.toUpperCase()}_PORT`] = String(DEFAULT_PORTS[name] + offset);
    env[`${name.toUpperCase()}_DATABASE_URL`] = '';
  }
  return env;
}

/** Topic, group and key prefixes every test run uses; cleaned up between runs. */
export const TEST_PREFIX_PATTERN = /^test-[0-9a-z]+[.:]/;
