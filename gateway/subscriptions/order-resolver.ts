import type { GraphQLFormattedError } from 'graphql';
import { newTraceId } from '../../platform/context.js';
import type { GatewayContext } from '../context.js';
import type { ResolveOrder } from './order-feed.js';
import { toResolution, variablesFor } from './order-query.js';

/**
 * Runs a subscriber's order query through the gateway in-process, the same
 * path an HTTP query takes (query plan, subgraph fetches with the subscriber's
 * signed identity, error masking), so every subgraph's fields and its own
 * authorisation apply unchanged.
 */

export interface GatewayResult {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/** Executes one operation in the gateway with the given context (Apollo's executeOperation). */
export type ExecuteInGateway = (
  request: { query: string; variables: Record<string, unknown> },
  context: GatewayContext,
) => Promise<GatewayResult>;

export function gatewayOrderResolver(execute: ExecuteInGateway): ResolveOrder {
  return async (orderId, query) => {
    const { data, errors } = await execute(
      { query: query.text, variables: variablesFor(query, orderId) },
      { identity: query.identity, tokenProblem: null, traceId: newTraceId() },
    );
    return toResolution(data, errors);
  };
}
