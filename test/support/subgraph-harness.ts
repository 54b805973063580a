import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { inject } from 'vitest';
import { loadSubgraphConfig } from '../../platform/config.js';
import { signIdentity, type Identity } from '../../platform/identity.js';
import {
  startSubgraph,
  type RequestContext,
  type RunningSubgraph,
  type SubgraphModule,
} from '../../platform/subgraph.js';
import { deleteKafkaNames, deleteRedisKeys, dropDatabases } from './cleanup.js';
import { gql } from './client.js';
import { buildTestEnv } from './test-env.js';
import './provided.js';

/**
 * Service-level tests: a subgraph started in-process (one replica or more)
 * on an environment of its own, talked to over HTTP as the gateway does, with
 * signed identity headers. PostgreSQL, Kafka and Redis are the real servers
 * of the test run; nothing is mocked.
 *
 * Each test file names its environment ([a-z0-9]+, one name per file):
 * databases `ecommerce_test_<name>_<runid>_<service>`, topics and consumer
 * groups under `test-<runid>.<name>.`, Redis keys under `test-<runid>:<name>:`.
 * `cleanUp()` removes all three; should a run die first, the next run's
 * global setup sweeps them (they match its `ecommerce_test_` and `test-`
 * patterns), as it does the test stack's own.
 */

export interface IsolatedEnv {
  name: string;
  env: Record<string, string>;
  topicPrefix: string;
  redisPrefix: string;
  /** Base database name; each service uses `<base>_<service>`. */
  database: string;
  /** Deletes the topics, consumer groups, Redis keys and databases of this environment. */
  cleanUp(): Promise<void>;
}

/** An environment on the run's servers and prefixes, with its own database base name. */
export function isolatedEnv(name: string, options: { logLevel?: string } = {}): IsolatedEnv {
  if (!/^[a-z0-9]+$/.test(name)) throw new Error(`environment name ${name} must be [a-z0-9]+`);
  const runId = inject('testRunId');
  const database = `ecommerce_test_${name}_${runId}`;
  const env: Record<string, string> = {
    ...buildTestEnv({ runId, scope: name, database, source: inject('testEnv') }),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL || options.logLevel || 'warn',
  };
  const topicPrefix = env.KAFKA_TOPIC_PREFIX!;
  const redisPrefix = env.REDIS_KEY_PREFIX!;
  return {
    name,
    env,
    topicPrefix,
    redisPrefix,
    database,
    async cleanUp() {
      // Best effort: whatever is left carries the run id and is swept by the next run.
      const steps = [
        deleteKafkaNames(env.KAFKA_BROKERS!, (n) => n.startsWith(topicPrefix)),
        deleteRedisKeys(env.REDIS_URL!, `${redisPrefix}*`),
        dropDatabases(env.DATABASE_URL!, database),
      ];
      const failed = (await Promise.allSettled(steps)).filter((s) => s.status === 'rejected');
      for (const f of failed) console.warn(`[subgraph-harness] cleanup of ${name}: ${f.reason}`);
    },
  };
}

export interface GraphQLResult<T> {
  data?: T | null;
  errors?: GraphQLFormattedError[];
  /** The HTTP status; not enumerable, so it stays out of `toEqual` and JSON.stringify. */
  readonly status: number;
}

export type Call = <T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
  identity?: Identity | null,
) => Promise<GraphQLResult<T>>;

/** A started replica: the running subgraph and a client for it. */
export interface Replica extends RunningSubgraph {
  call: Call;
}

export interface SubgraphHarness extends IsolatedEnv {
  /** Starts a replica; replicas share the database, topics, groups and Redis keys. */
  start(options?: { port?: number; env?: Record<string, string> }): Promise<Replica>;
  /** Sends an operation to the first replica (anonymous unless `identity` is given). */
  call: Call;
  /** Stops every replica still running, then runs the environment's cleanUp. */
  cleanUp(): Promise<void>;
}

export interface HarnessOptions {
  /** Names the environment: one per test file, [a-z0-9]+. */
  name: string;
  /** The first replica's port; test files use distinct ones in 4400-4499. */
  port: number;
  /** Variables for every replica (e.g. a TTL), over the harness's own. */
  env?: Record<string, string>;
  /** Default `warn`; TEST_LOG_LEVEL overrides it. */
  logLevel?: string;
}

/** Sends `query` to `url` signed for `identity` (no identity headers at all when null). */
async function send<T>(
  url: string,
  secret: string,
  query: string,
  variables: Record<string, unknown>,
  identity: Identity | null,
): Promise<GraphQLResult<T>> {
  const headers = identity ? signIdentity(secret, identity, randomUUID()) : {};
  const { data, errors, status } = await gql<T>(query, variables, { url, headers });
  const result = {} as GraphQLResult<T>;
  if (data !== undefined) result.data = data;
  if (errors) result.errors = errors;
  // Not enumerable: `toEqual` on a result compares the GraphQL response alone.
  Object.defineProperty(result, 'status', { value: status, enumerable: false });
  return result;
}

export function subgraphHarness<Ctx extends RequestContext>(
  module: SubgraphModule<Ctx>,
  options: HarnessOptions,
): SubgraphHarness {
  const isolated = isolatedEnv(options.name, { logLevel: options.logLevel });
  const env = { ...isolated.env, ...options.env };
  const portVariable = `${module.name.toUpperCase()}_PORT`;
  const secret = loadSubgraphConfig(module.name, env).IDENTITY_SECRET;
  const replicas: Replica[] = [];

  return {
    ...isolated,
    env,
    async start(replicaOptions = {}) {
      const running = await startSubgraph(module, {
        ...env,
        [portVariable]: String(replicaOptions.port ?? options.port),
        ...replicaOptions.env,
      });
      let stopping: Promise<number> | null = null;
      const replica: Replica = {
        ...running,
        // Shutdown runs its closers once; a second stop() waits for the first.
        stop: () => (stopping ??= running.stop()),
        call: (query, variables = {}, identity = null) =>
          send(running.url, secret, query, variables, identity),
      };
      replicas.push(replica);
      return replica;
    },
    call: (query, variables, identity) => {
      if (!replicas[0]) throw new Error(`${module.name} harness: call start() first`);
      return replicas[0].call(query, variables, identity);
    },
    async cleanUp() {
      for (const replica of replicas) await replica.stop();
      await isolated.cleanUp();
    },
  };
}
