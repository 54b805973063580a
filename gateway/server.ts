import cluster from 'node:cluster';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { loadGatewayConfig, type GatewayConfig, type SubgraphName } from '../platform/config.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { Lifecycle } from '../platform/lifecycle.js';
import { serveHealth } from '../platform/health.js';
import { serveMetrics } from '../platform/metrics.js';
import { HttpRoutes, type RouteHandler } from '../platform/http/router.js';
import { graphqlHandler } from '../platform/http/graphql.js';
import { requestMetricsPlugin } from '../platform/request-metrics.js';
import { noStorePlugins } from '../platform/no-store.js';
import { maskErrors } from '../platform/errors.js';
import { TRACE_HEADER } from '../platform/identity.js';
import { newTraceId, sanitizeTraceId } from '../platform/context.js';
import { SubgraphDataSource } from './datasource.js';
import { optOutOfApolloTelemetry } from './apollo-telemetry.js';
import { authenticate } from './auth.js';
import { tokenProblemPlugin } from './token-problem-plugin.js';
import { loadSupergraphSdl } from './supergraph.js';
import { serveSubscriptions } from './subscriptions/index.js';
import type { GatewayContext } from './context.js';
import { queryLimitsRule } from './edge/query-limits.js';
import { edgeFormatError } from './edge/edge-errors.js';
import { clientAddress } from './edge/client-address.js';
import { limited, rateLimitPlugin } from './edge/rate-limit.js';
import { EventLoopLag, shedWhenOverloaded } from './edge/overload.js';
import { unexpectedErrorLog } from './edge/error-log.js';
import { deduplicateInflight, sharedBytes, stringifyResult } from './edge/inflight-dedup.js';
import { parseAllowedOrigins, withCors } from './edge/cors.js';
import { clusterMetrics } from './cluster-metrics.js';
import { inflightShared } from './edge/subgraph-metrics.js';
import {
  loadTrustedDocuments,
  ManifestQueryStore,
  RedisQueryStore,
  trustedDocumentsPlugin,
} from './edge/persisted-queries.js';
import { connectRedis, createRedis } from '../platform/redis.js';
import { CatalogFetchCache } from './catalog-fetch-cache.js';
import { listen } from '../platform/http/listen.js';

/** The subgraph that owns the catalogue (ARCHITECTURE.md), whose query answers are kept (decision 27). */
const CATALOG_SUBGRAPH: SubgraphName = 'product';

export interface RunningGateway {
  config: GatewayConfig;
  logger: Logger;
  lifecycle: Lifecycle;
  url: string;
  stop(): Promise<number>;
}

/** The public edge: one `/graphql` endpoint over the federated supergraph. */
export async function startGateway(env: NodeJS.ProcessEnv = process.env): Promise<RunningGateway> {
  const config = loadGatewayConfig(env);
  // A misspelt origin stops the start, before anything is opened.
  const allowedOrigins = parseAllowedOrigins(config.CORS_ORIGINS);
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT);
  const production = config.NODE_ENV === 'production';

  optOutOfApolloTelemetry();
  // Rate limits, persisted queries and the catalogue generation; all fail open
  // (decision 10): not part of readiness.
  const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger);
  await connectRedis(redis).catch((err: Error) =>
    logger.warn(
      { err: err.message },
      'redis unreachable at start; rate limits and catalogue copies off until it answers',
    ),
  );
  const catalogCache = new CatalogFetchCache(redis, {
    ttlMs: config.CATALOG_CACHE_TTL,
    maxChars: config.GATEWAY_CATALOG_CACHE_MB * 1024 * 1024,
  });
  const dataSources: SubgraphDataSource[] = [];
  const apolloGateway = new ApolloGateway({
    supergraphSdl: loadSupergraphSdl(config.SUPERGRAPH_FILE),
    buildService: ({ name, url }) => {
      const source = new SubgraphDataSource(
        name,
        // Ours by configuration; any other (SUPERGRAPH_FILE) where its supergraph says.
        (config.subgraphUrls[name as SubgraphName] as string | undefined) ?? url!,
        config.IDENTITY_SECRET,
        logger,
        {
          timeoutMs:
            (config[`${name.toUpperCase() as Uppercase<SubgraphName>}_TIMEOUT`] as
              number | undefined) ?? config.SUBGRAPH_TIMEOUT,
          errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD,
          volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
          resetMs: config.BREAKER_RESET_TIMEOUT,
        },
        // Only our own product subgraph raises the catalogue generation the copies follow.
        name === CATALOG_SUBGRAPH && !config.SUPERGRAPH_FILE ? catalogCache : undefined,
      );
      dataSources.push(source);
      return source;
    },
  });

  const gateway =
    config.INFLIGHT_DEDUP === 'on'
      ? deduplicateInflight(apolloGateway, { onShared: () => inflightShared.inc() })
      : apolloGateway;

  const trusted = config.PERSISTED_DOCUMENTS === 'trusted' ? loadTrustedDocuments() : null;

  const routes = new HttpRoutes();
  const httpServer = http.createServer(routes.listener(logger));
  // Load balancers keep idle connections to the gateway open and reuse them
  // (60 s is a common idle timeout). The gateway must not close an idle one
  // first (Node's default is 5 s), or a request sent on it at that instant
  // fails with a reset.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  // Subscriptions (graphql-ws on the same path) resolve each event through this same server.
  const subscriptions = serveSubscriptions({
    httpServer,
    config,
    logger,
    execute: async (request, contextValue) => {
      const response = await apollo.executeOperation(request, { contextValue });
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return response.body.singleResult;
    },
    trusted,
  });
  const errorLog = unexpectedErrorLog(logger);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: edgeFormatError(maskErrors(logger, errorLog.report)),
    // Query limits: tokens bound the parser itself, the rule bounds depth, aliases and cost.
    parseOptions: { maxTokens: config.MAX_QUERY_TOKENS },
    validationRules: [
      queryLimitsRule({
        maxDepth: config.MAX_QUERY_DEPTH,
        maxAliases: config.MAX_QUERY_ALIASES,
        maxCost: config.MAX_QUERY_COST,
      }),
    ],
    // One operation per HTTP request (the default, stated): a batch would multiply every limit.
    allowBatchedHttpRequests: false,
    // APQ: texts by sha256 in Redis; in trusted mode the manifest is the only store.
    persistedQueries: trusted
      ? { cache: new ManifestQueryStore(trusted), ttl: null }
      : { cache: new RedisQueryStore(redis, logger), ttl: Math.round(config.APQ_TTL / 1000) },
    includeStacktraceInErrorResponses: false,
    // A result shared by in-flight deduplication is serialised once, not once per request.
    stringifyResult,
    // Our Lifecycle owns SIGTERM/SIGINT and stops Apollo in order; Apollo's own
    // handler would stop it early and re-send the signal (exit 1, no drain).
    stopOnTerminationSignals: false,
    introspection: !production,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginInlineTraceDisabled(),
      errorLog.plugin,
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
      ...noStorePlugins<GatewayContext>(),
      requestMetricsPlugin(),
      tokenProblemPlugin(),
      ...(trusted ? [trustedDocumentsPlugin(trusted)] : []),
      rateLimitPlugin(
        redis,
        {
          points: config.RATE_LIMIT_POINTS,
          placeOrderPoints: config.RATE_LIMIT_PLACE_ORDER_POINTS,
          windowMs: config.RATE_LIMIT_WINDOW,
          placeOrderConcurrency: config.PLACE_ORDER_CONCURRENCY,
          placeOrderQueueWaitMs: config.PLACE_ORDER_QUEUE_WAIT,
        },
        logger,
      ),
      subscriptions.plugin,
    ],
  });
  await apollo.start();

  let started = false;
  serveHealth(
    routes,
    {
      gateway: async () => {
        if (!started) throw new Error('starting');
      },
      'order-events': subscriptions.check,
    },
    () => lifecycle.shuttingDown,
  );
  serveMetrics(routes, 'gateway', cluster.isWorker ? clusterMetrics() : undefined);
  const clientIp = clientAddress(config.TRUST_PROXY);
  const graphql = graphqlHandler(apollo, {
    bodyLimit: config.MAX_REQUEST_BODY_BYTES,
    encode: sharedBytes,
    context: async (req, res): Promise<GatewayContext> => ({
      ...(await authenticate(config.JWT_SECRET, req.headers)),
      // Set on the response by the /graphql route below, before Apollo runs.
      traceId: res.getHeader(TRACE_HEADER) as string,
      clientIp: clientIp(req),
    }),
  });
  const lag = new EventLoopLag(config.OVERLOAD_DELAY);
  const serve: RouteHandler = (req, res) => {
    // One trace id per request, the caller's or a new one: on the gateway's log
    // lines, on every subgraph call (and so on the events it causes), and in
    // the answer's x-trace-id header, for a client to quote. It travels in the
    // request context, not AsyncLocalStorage (edge/error-log.ts says why).
    res.setHeader(TRACE_HEADER, sanitizeTraceId(req.headers[TRACE_HEADER]) ?? newTraceId());
    return graphql(req, res);
  };
  const served =
    config.OVERLOAD_DELAY > 0
      ? shedWhenOverloaded(lag, serve, () => limited.inc({ budget: 'overload' }))
      : serve;
  // Outermost, so a refusal under overload still carries the CORS headers a page needs to read it.
  routes.all('/graphql', withCors(allowedOrigins, served));

  await listen(httpServer, config.GATEWAY_PORT, config.HOST);
  // Closers run last-registered first: HTTP and WebSockets stop, then the Kafka consumer.
  subscriptions.start();
  if (config.OVERLOAD_DELAY > 0) lag.start();
  lifecycle.onShutdown('overload monitor', async () => lag.stop());
  lifecycle.onShutdown('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  lifecycle.onShutdown('order-events', () => subscriptions.stop());
  lifecycle.onShutdown('subgraph connections', async () => {
    await Promise.all(dataSources.map((source) => source.close()));
  });
  lifecycle.onShutdown('http', () => apollo.stop());
  started = true;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.GATEWAY_PORT}/graphql`;
  logger.info({ url }, 'gateway ready');
  return { config, logger, lifecycle, url, stop: () => lifecycle.shutdown('stop') };
}
