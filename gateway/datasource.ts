import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Fetcher } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { signIdentity, TRACE_HEADER } from '../platform/identity.js';
import type { Logger } from '../platform/logger.js';
import type { GatewayContext } from './context.js';

/**
 * How the gateway calls one subgraph: it forwards the caller's identity in
 * headers signed with IDENTITY_SECRET (subgraphs trust nothing else) and the
 * trace id; a subgraph that cannot be reached becomes a SUBGRAPH_UNAVAILABLE
 * error on the fields it owns, never a message naming a host.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly identitySecret: string,
    private readonly logger: Logger,
  ) {
    // Node's own fetch (undici) instead of the default make-fetch-happen: it
    // pools keep-alive connections and retires an idle one before the server's
    // keep-alive timeout (from its Keep-Alive header), so a request is never
    // sent on a connection the subgraph is closing; it is also much cheaper
    // per request.
    super({ url, fetcher: fetch as unknown as Fetcher });
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
    try {
      return await super.process(options);
    } catch (err) {
      this.logger.error(
        { subgraph: this.subgraph, err: (err as Error).message },
        'subgraph request failed',
      );
      throw new GraphQLError(`The ${this.subgraph} service is unavailable`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: this.subgraph },
      });
    }
  }
}
