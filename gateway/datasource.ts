import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import type CircuitBreaker from 'opossum';
import { signIdentity, TRACE_HEADER } from '../platform/identity.js';
import { CatalogFetchCache } from './catalog-fetch-cache.js';
import { SubgraphClient } from './subgraph-client.js';
import type { Logger } from '../platform/logger.js';
import type { GatewayContext } from './context.js';
import { createSubgraphBreaker, type BreakerSettings } from './edge/circuit-breaker.js';
import {
  recordBreakerState,
  subgraphFetchDuration,
  subgraphFetchErrors,
} from './edge/subgraph-metrics.js';

/** The configuration defaults (platform/config.ts), for callers that build a data source alone. */
const DEFAULT_BREAKER: BreakerSettings = {
  timeoutMs: 10_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetMs: 10_000,
};

type Process = (
  options: GraphQLDataSourceProcessOptions<GatewayContext>,
) => Promise<GatewayGraphQLResponse>;

/**
 * How the gateway calls one subgraph: it forwards the caller's identity in
 * headers signed with IDENTITY_SECRET (subgraphs trust nothing else) and the
 * trace id; every call goes through the subgraph's circuit breaker (timeout,
 * open after repeated failures). A subgraph that cannot be reached, times out
 * or whose breaker is open becomes a SUBGRAPH_UNAVAILABLE error on the fields
 * it owns, never a message naming a host; the rest of the answer is served.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly breaker: CircuitBreaker<Parameters<Process>, GatewayGraphQLResponse>;
  private readonly client: SubgraphClient;

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly identitySecret: string,
    private readonly logger: Logger,
    breaker: BreakerSettings = DEFAULT_BREAKER,
    /** The product subgraph's only: its answers to queries, kept (catalog-fetch-cache.ts). */
    private readonly catalogCache?: CatalogFetchCache,
  ) {
    super({ url });
    this.client = new SubgraphClient(url, breaker.timeoutMs);
    this.breaker = createSubgraphBreaker<Parameters<Process>, GatewayGraphQLResponse>(
      subgraph,
      (options) => this.send(options),
      breaker,
      logger,
      (state) => recordBreakerState(subgraph, state),
    );
    recordBreakerState(subgraph, 'closed');
  }

  override async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const cache = this.catalogCache;
    if (!cache?.enabled || !isQueryFetch(options) || !options.request.query) {
      return this.call(options);
    }
    const key = CatalogFetchCache.key(
      options.context?.identity ?? null,
      options.request.query,
      options.request.variables,
    );
    const found = await cache.lookup(key);
    // Parsed anew for each request: the gateway merges later fetches into what it is given.
    if (found && 'text' in found) return JSON.parse(found.text) as GatewayGraphQLResponse;
    const response = await this.call(options);
    // Answers with errors (a bad id, say) are not kept: asked again, they are asked again.
    if (found && response.data && !response.errors?.length) {
      cache.keep(key, found.generation, JSON.stringify(response));
    }
    return response;
  }

  private async call(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const stop = subgraphFetchDuration.startTimer({ subgraph: this.subgraph });
    try {
      return await this.breaker.fire(options);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const open = code === 'EOPENBREAKER';
      const reason = open ? 'breaker_open' : code === 'ETIMEDOUT' ? 'timeout' : 'failed';
      subgraphFetchErrors.inc({ subgraph: this.subgraph, reason });
      // While open every call fails here at once: debug, not an error line per request.
      this.logger[open ? 'debug' : 'error'](
        { subgraph: this.subgraph, err: (err as Error).message, traceId: options.context?.traceId },
        open ? 'subgraph skipped: circuit open' : 'subgraph request failed',
      );
      throw new GraphQLError(`The ${this.subgraph} service is unavailable`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: this.subgraph },
      });
    } finally {
      stop();
    }
  }

  /** Closes the connection pool (the gateway is stopping). */
  close(): Promise<void> {
    return this.client.close();
  }

  /** One subgraph call: the fetch the query plan asks for, with the caller's signed identity. */
  private send({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    if (!request.query) throw new Error('Missing query');
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
      extensions: request.extensions,
    });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (context?.traceId) {
      Object.assign(headers, identityHeaders(this.identitySecret, context as GatewayContext));
      headers[TRACE_HEADER] = context.traceId;
    }
    return this.client.post(body, headers);
  }
}

/** A fetch of a client's query (not of a mutation, whose later fetches read what it changed). */
function isQueryFetch(options: GraphQLDataSourceProcessOptions<GatewayContext>): boolean {
  // Only a client's operation has an incoming request (not health checks, not schema loading).
  return (
    'incomingRequestContext' in options &&
    options.incomingRequestContext.operation?.operation === 'query'
  );
}

/** Signed identity headers per request, re-signed when older than this (subgraphs refuse stale ones). */
const RESIGN_AFTER_MS = 5_000;
const signed = new WeakMap<GatewayContext, { at: number; headers: Record<string, string> }>();

/** A nested query calls subgraphs many times for one request: sign once, not per call. */
function identityHeaders(secret: string, context: GatewayContext): Record<string, string> {
  const now = Date.now();
  let entry = signed.get(context);
  if (!entry || now - entry.at > RESIGN_AFTER_MS) {
    entry = { at: now, headers: signIdentity(secret, context.identity, context.traceId, now) };
    signed.set(context, entry);
  }
  return entry.headers;
}
