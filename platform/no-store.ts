import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';

/**
 * Every GraphQL response, from the gateway and from each subgraph, says
 * `cache-control: no-store`, as it always has: answers carry stock, prices
 * and orders as of the request, and no schema here declares cache hints.
 *
 * Apollo Server's default cache-control plugin reached that same header by
 * wrapping every field resolver and building a cache policy per field
 * resolved (hundreds for a catalogue page), only to find the answer
 * uncacheable. This sets the header once per response instead. Should a
 * schema ever use `@cacheControl`, put Apollo's plugin back (it is the one
 * that reads the directive).
 */
export function noStorePlugins<T extends BaseContext>(): ApolloServerPlugin<T>[] {
  return [
    ApolloServerPluginCacheControlDisabled(),
    {
      async requestDidStart() {
        return {
          async willSendResponse({ response }) {
            // A header another plugin set on purpose is left alone.
            if (!response.http.headers.has('cache-control')) {
              response.http.headers.set('cache-control', 'no-store');
            }
          },
        };
      },
    },
  ];
}
