import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';

/** Tells the client why it was treated as anonymous when its bearer token was rejected. */
export function tokenProblemPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const problem = contextValue.tokenProblem;
          if (!problem || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const errors = result.errors ?? [];
          if (errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return;
          const message =
            problem === 'expired' ? 'Access token has expired' : 'Access token is invalid';
          result.errors = [
            ...errors,
            new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } }).toJSON(),
          ];
        },
      };
    },
  };
}
