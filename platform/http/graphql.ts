import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { readJsonBody, RequestBodyError } from './body.js';
import { sendJson } from './respond.js';
import type { RouteHandler } from './router.js';

export interface GraphQLHandlerOptions<Ctx extends BaseContext> {
  /** Largest accepted request body, in bytes (after decompression). */
  bodyLimit: number;
  /** The request's context; throwing a GraphQLError answers with it. */
  context(req: IncomingMessage, res: ServerResponse): Promise<Ctx>;
  /** The bytes to send for a complete response body (default: the string itself). */
  encode?(body: string): string | Buffer;
}

/**
 * Serves an Apollo Server on Node's HTTP server: reads the JSON body, hands
 * Apollo the request and writes its answer. Apollo does the GraphQL-over-HTTP
 * part itself (methods, content types, CSRF prevention, status codes). A body
 * Apollo never sees (too large, not JSON) is answered in the same GraphQL
 * shape, with BAD_USER_INPUT, not as an HTML error page.
 */
export function graphqlHandler<Ctx extends BaseContext>(
  apollo: ApolloServer<Ctx>,
  options: GraphQLHandlerOptions<Ctx>,
): RouteHandler {
  apollo.assertStarted('graphqlHandler()');
  const encode = options.encode ?? ((body: string) => body);
  return async (req, res) => {
    let body: unknown;
    try {
      body = await readJsonBody(req, options.bodyLimit);
    } catch (err) {
      if (!(err instanceof RequestBodyError)) throw err;
      return sendJson(res, err.status, {
        errors: [{ message: err.message, extensions: { code: 'BAD_USER_INPUT' } }],
      });
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: query === -1 ? '' : url.slice(query),
        body,
      },
      context: () => options.context(req, res),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(encode(response.body.string));
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
