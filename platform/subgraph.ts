import http from 'node:http';
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { GraphQLError, parse } from 'graphql';
import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';
import { loadSubgraphConfig, type SubgraphName } from './config.js';
import type { Logger } from './logger.js';
import type { MigrationObject } from './db.js';
import { serveHealth, type HealthCheck } from './health.js';
import { runMain } from './lifecycle.js';
import { openRuntime, startBackground, type BackgroundTask, type Runtime } from './runtime.js';
import { listen } from './http/listen.js';
import { maskErrors } from './errors.js';
import { verifyIdentity, IdentityRejected, TRACE_HEADER, type Identity } from './identity.js';
import { runWithTrace, newTraceId, sanitizeTraceId, currentTraceId } from './context.js';
import { serveMetrics } from './metrics.js';
import { HttpRoutes } from './http/router.js';
import { graphqlHandler } from './http/graphql.js';
import { requestMetricsPlugin } from './request-metrics.js';
import { noStorePlugins } from './no-store.js';

export type { BackgroundTask, Runtime };

/** Per-request context every subgraph's own context extends. */
export interface RequestContext {
  /** A fresh identity map per request: no entity leaks between requests. */
  em: EntityManager;
  identity: Identity | null;
  traceId: string;
  logger: Logger;
}

export interface SubgraphSetup<Ctx extends RequestContext> {
  /** The subgraph's generated `Resolvers` type; checked there, not here. */
  resolvers: object;
  context(base: RequestContext): Ctx;
  background?: BackgroundTask[];
  /** Extra readiness checks beside PostgreSQL, Kafka and Redis. */
  checks?: Record<string, HealthCheck>;
}

export interface SubgraphModule<Ctx extends RequestContext> {
  name: SubgraphName;
  /** URL of the subgraph's `schema.graphql`. */
  schema: URL;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: EntitySchema<any, any>[];
  migrations: MigrationObject[];
  usesRedis?: boolean;
  setup(runtime: Runtime): Promise<SubgraphSetup<Ctx>>;
}

export interface RunningSubgraph {
  runtime: Runtime;
  url: string;
  port: number;
  stop(): Promise<number>;
}

/** Subgraph requests come from the gateway: entity batches can be large, not unbounded. */
const BODY_LIMIT = 1024 * 1024;

export function readSchema(url: URL) {
  return parse(readFileSync(url, 'utf8'));
}

/**
 * Boots one subgraph: configuration, database (created and migrated), Kafka,
 * Redis if used, the GraphQL endpoint, health, metrics, background tasks, and
 * an ordered graceful shutdown.
 */
export async function startSubgraph<Ctx extends RequestContext>(
  module: SubgraphModule<Ctx>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningSubgraph> {
  const config = loadSubgraphConfig(module.name, env);
  const { runtime, checks: infraChecks } = await openRuntime(config, module);
  const { logger, orm, lifecycle } = runtime;
  const setup = await module.setup(runtime);

  const checks: Record<string, HealthCheck> = { ...infraChecks, ...setup.checks };

  const routes = new HttpRoutes();
  const httpServer = http.createServer(routes.listener(logger));
  // The gateway keeps connections to subgraphs alive between requests. The
  // server must not close an idle one first, or a request the gateway sends on
  // it at that instant fails (ECONNRESET → SUBGRAPH_UNAVAILABLE).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const apollo = new ApolloServer<Ctx>({
    schema: buildSubgraphSchema({
      typeDefs: readSchema(module.schema),
      // Codegen's Resolvers and Apollo's resolver map describe the same object differently.
      resolvers: setup.resolvers as GraphQLResolverMap<unknown>,
    }),
    formatError: maskErrors(logger),
    includeStacktraceInErrorResponses: false,
    // Our Lifecycle owns SIGTERM/SIGINT and stops Apollo in order; Apollo's own
    // handler would stop it early and re-send the signal (exit 1, no drain).
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No Apollo Studio here: per-field timing would only cost CPU on every request.
      ApolloServerPluginInlineTraceDisabled(),
      ...noStorePlugins<Ctx>(),
      requestMetricsPlugin(),
    ],
  });
  await apollo.start();

  serveHealth(routes, checks, () => lifecycle.shuttingDown);
  serveMetrics(routes, module.name);
  const graphql = graphqlHandler(apollo, {
    bodyLimit: BODY_LIMIT,
    context: async (req) => {
      let identity: Identity | null;
      try {
        identity = verifyIdentity(config.IDENTITY_SECRET, config.IDENTITY_MAX_AGE, req.headers);
      } catch (err) {
        if (err instanceof IdentityRejected) {
          logger.warn({ reason: err.message }, 'rejected identity header');
          throw new GraphQLError('Identity could not be verified', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        }
        throw err;
      }
      const traceId = currentTraceId() ?? newTraceId();
      return setup.context({
        em: orm.em.fork(),
        identity,
        traceId,
        logger: logger.child({ traceId }),
      });
    },
  });
  // The caller's trace id (or a new one) follows the request through every
  // await: onto log lines and into the events it records.
  routes.all('/graphql', (req, res) =>
    runWithTrace(sanitizeTraceId(req.headers[TRACE_HEADER]) ?? newTraceId(), () =>
      graphql(req, res),
    ),
  );

  await startBackground(runtime, setup.background ?? []);
  await listen(httpServer, config.port, config.HOST);
  // Registered last so it runs first: stop taking requests, drain in-flight ones.
  lifecycle.onShutdown('http', () => apollo.stop());
  const url = `http://${config.HOST}:${config.port}/graphql`;
  logger.info({ url }, `${module.name} subgraph ready`);

  return { runtime, url, port: config.port, stop: () => lifecycle.shutdown('stop') };
}

/** Entry point helper: start the subgraph and stop it cleanly on SIGTERM/SIGINT. */
export function runSubgraph<Ctx extends RequestContext>(module: SubgraphModule<Ctx>): void {
  runMain(async () => {
    const running = await startSubgraph(module);
    running.runtime.lifecycle.listen();
  });
}
