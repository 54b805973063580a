import type { Server as HttpServer } from 'node:http';
import {
  createSourceEventStream,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../platform/logger.js';
import { Lru } from '../../platform/lru.js';
import { authenticateConnection, CLOSE_CODES } from './connection-auth.js';
import { openConnections } from './metrics.js';
import type { SubscriptionContext } from './subscription-schema.js';

/**
 * graphql-ws (`graphql-transport-ws`) on the HTTP server's `/graphql` path:
 * authentication in connection_init, then per `subscribe` message: parse and
 * validate against the API schema (an invalid document is an `error` message
 * for that operation id; the connection stays open), and only subscriptions
 * are served here: queries and mutations go over HTTP POST.
 */

export const GRAPHQL_PATH = '/graphql';
/** Bounds what one client can hold on the server. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_QUERY_LENGTH = 20_000;
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;
/** Distinct subscription documents kept parsed (apps send a handful; bounded against floods). */
const DOCUMENT_CACHE_SIZE = 500;
/** On shutdown, sockets that do not answer the close handshake are cut after this. */
const CLOSE_GRACE_MS = 1_500;

export interface WsServerOptions {
  httpServer: HttpServer;
  schema: GraphQLSchema;
  jwtSecret: string;
  logger: Logger;
  production: boolean;
}

export interface RunningWsServer {
  /** Closes every connection with 1001 Going away and stops accepting new ones. */
  dispose(): Promise<void>;
}

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  auth: SubscriptionContext;
}

const withCode = (error: GraphQLError, code: string) =>
  new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { ...error.extensions, code },
  });

const refused = (message: string, code: string) =>
  [new GraphQLError(message, { extensions: { code } })] as const;

export function serveWebSockets(options: WsServerOptions): RunningWsServer {
  const { schema, logger } = options;
  /**
   * Parsed and validated once per document text: every client of an app sends
   * the same few documents, and sharing one AST per text also shares the query
   * printed for it (order-query.ts) and the memory of a thousand subscribers.
   */
  const documents = new Lru<string, DocumentNode | readonly GraphQLError[]>(DOCUMENT_CACHE_SIZE);
  const prepare = (query: string): DocumentNode | readonly GraphQLError[] => {
    let prepared = documents.get(query);
    if (prepared) return prepared;
    try {
      const document = parse(query);
      const invalid = validate(schema, document, undefined, { maxErrors: 10 });
      prepared = invalid.length
        ? invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'))
        : document;
    } catch (err) {
      prepared = [withCode(err as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
    }
    documents.set(query, prepared);
    return prepared;
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const onUpgrade = (
    request: Parameters<WebSocketServer['handleUpgrade']>[0],
    socket: Parameters<WebSocketServer['handleUpgrade']>[1],
    head: Buffer,
  ) => {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (path !== GRAPHQL_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  options.httpServer.on('upgrade', onUpgrade);
  wss.on('connection', (socket: WebSocket) => {
    openConnections.inc();
    socket.once('close', () => openConnections.dec());
  });

  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema,
      isProd: options.production,
      onConnect: async (ctx) => {
        const auth = await authenticateConnection(options.jwtSecret, ctx.connectionParams);
        if (!auth.ok) {
          // Our code and reason win: graphql-ws' own 4403 close comes after and is ignored.
          ctx.extra.socket.close(CLOSE_CODES.UNAUTHORIZED, auth.reason);
          return false;
        }
        ctx.extra.auth = auth.context;
        // The upgrade request (headers and all) is not needed once authenticated:
        // with thousands of connections open, it is memory held for nothing.
        Reflect.deleteProperty(ctx.extra, 'request');
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const auth = ctx.extra.auth;
        if (!auth) return refused('Authentication required', 'UNAUTHENTICATED');
        if (auth.expiresAt <= Date.now()) {
          return refused('Access token has expired', 'UNAUTHENTICATED');
        }
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return refused(
            `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`,
            'RATE_LIMITED',
          );
        }
        if (typeof payload.query !== 'string' || payload.query.length > MAX_QUERY_LENGTH) {
          return refused('The subscription document is missing or too long', 'BAD_REQUEST');
        }
        const prepared = prepare(payload.query);
        if (!('kind' in prepared)) return prepared;
        const document = prepared;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return refused('Unable to identify the operation to run', 'GRAPHQL_VALIDATION_FAILED');
        }
        if (operation.operation !== 'subscription') {
          return refused(
            'Only subscriptions are served over WebSocket; send queries and mutations as HTTP POST /graphql',
            'BAD_REQUEST',
          );
        }
        const variables = getVariableValues(
          schema,
          operation.variableDefinitions ?? [],
          payload.variables ?? {},
        );
        if (variables.errors) return variables.errors.map((e) => withCode(e, 'BAD_USER_INPUT'));
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: auth,
        };
      },
      // The field handlers return streams of finished results (resolved through the
      // supergraph): graphql-ws sends each as it is, with no per-event execution here.
      subscribe: (args) =>
        createSourceEventStream(args) as Promise<AsyncIterable<ExecutionResult> | ExecutionResult>,
      onError: (_ctx, id, _payload, errors) => {
        logger.debug({ id, errors: errors.map((e) => e.message) }, 'subscription refused');
      },
    },
    wss,
  );

  return {
    async dispose() {
      options.httpServer.off('upgrade', onUpgrade);
      const cut = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, CLOSE_GRACE_MS);
      try {
        await server.dispose();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
