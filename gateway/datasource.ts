import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Fetcher } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import type CircuitBreaker from 'opossum';
import { signIdentity, TRACE_HEADER } from '../platform/identity.js';
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

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly identitySecret: string,
    private readonly logger: Logger,
    breaker: BreakerSettings = DEFAULT_BREAKER,
  ) {
    // Node's own fetch (undici) instead of the default make-fetch-happen: it
    // pools keep-alive connections and retires an idle one before the server's
    // keep-alive timeout (from its Keep-Alive header), so a request is never
    // sent on a connection the subgraph is closing; it is also much cheaper
    // per request.
    super({ url, fetcher: fetch as unknown as Fetcher });
    this.breaker = createSubgraphBreaker<Parameters<Process>, GatewayGraphQLResponse>(
      subgraph,
      (options) => super.process(options),
      breaker,
      logger,
      (state) => recordBreakerState(subgraph, state),
    );
    recordBreakerState(subgraph, 'closed');
  }

  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]) {
    const headers = request.http?.headers;
    if (!headers || !context?.traceId) return;
    const signed = signIdentity(this.identitySecret, context.identity, context.traceId);
    for (const [name, value] of Object.entries(signed)) headers.set(name, value);
    headers.set(TRACE_HEADER, context.traceId);
  }

  override async process(
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
        { subgraph: this.subgraph, err: (err as Error).message },
        open ? 'subgraph skipped: circuit open' : 'subgraph request failed',
      );
      throw new GraphQLError(`The ${this.subgraph} service is unavailable`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: this.subgraph },
      });
    } finally {
      stop();
    }
  }
}
