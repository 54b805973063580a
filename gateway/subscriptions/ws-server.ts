import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
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
import type { Logger } from '../../platform/logger.js';
import { isTrusted, untrustedDocument, type TrustedDocuments } from '../edge/persisted-queries.js';
import { Lru } from '../../platform/lru.js';
import { authenticateConnection, CLOSE_CODES } from './connection-auth.js';
import type { SubscribePayload } from './transport-messages.js';
import { createTransport } from './transport-ws.js';
import type { SubscriptionContext } from './subscription-schema.js';

/**
 * graphql-ws (`graphql-transport-ws`) on the HTTP server's `/graphql` path:
 * authentication in connection_init, then per `subscribe` message: parse and
 * validate against the API schema (an invalid document is an `error` message
 * for that operation id; the connection stays open; in trusted-documents mode
 * a document outside the manifest is one too), and only subscriptions are
 * served here: queries and mutations go over HTTP POST.
 */

export const GRAPHQL_PATH = '/graphql';
/** Bounds what one client can hold on the server. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_QUERY_LENGTH = 20_000;
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;
/** Distinct subscription documents kept parsed (apps send a handful; bounded against floods). */
const DOCUMENT_CACHE_SIZE = 500;

export interface WsServerOptions {
  httpServer: HttpServer;
  schema: GraphQLSchema;
  jwtSecret: string;
  logger: Logger;
  production: boolean;
  /** Trusted-documents mode (PERSISTED_DOCUMENTS=trusted): only the manifest's subscriptions run. */
  trusted?: TrustedDocuments | null;
}

export interface RunningWsServer {
  /** Closes every connection with 1001 Going away and stops accepting new ones. */
  dispose(): Promise<void>;
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
      if (options.trusted && !isTrusted(options.trusted, query, document)) {
        prepared = [untrustedDocument()];
      } else {
        const invalid = validate(schema, document, undefined, { maxErrors: 10 });
        prepared = invalid.length
          ? invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'))
          : document;
      }
    } catch (err) {
      prepared = [withCode(err as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
    }
    documents.set(query, prepared);
    return prepared;
  };
  const transport = createTransport<SubscriptionContext>({
    maxPayloadBytes: MAX_MESSAGE_BYTES,
    logger,
    handlers: {
      async authenticate(params) {
        const auth = await authenticateConnection(options.jwtSecret, params);
        return auth.ok
          ? { ok: true, auth: auth.context }
          : { ok: false, code: CLOSE_CODES.UNAUTHORIZED, reason: auth.reason };
      },
      async subscribe(auth, payload, openOperations) {
        const refusal = refuse(auth, payload, openOperations);
        if (refusal) return refusal;
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
        // The field handlers return streams of finished results (resolved through
        // the supergraph): each is sent as it is, with no per-event execution here.
        return (await createSourceEventStream({
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? undefined,
          contextValue: auth,
        })) as AsyncIterableIterator<ExecutionResult> | ExecutionResult;
      },
    },
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (path !== GRAPHQL_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    transport.handleUpgrade(request, socket, head);
  };
  options.httpServer.on('upgrade', onUpgrade);

  return {
    async dispose() {
      options.httpServer.off('upgrade', onUpgrade);
      await transport.dispose();
    },
  };
}

/** Refusals that need no parsing: authentication, expiry, limits, a missing document. */
function refuse(
  auth: SubscriptionContext,
  payload: SubscribePayload,
  openOperations: number,
): readonly GraphQLError[] | null {
  if (auth.expiresAt <= Date.now()) {
    return refused('Access token has expired', 'UNAUTHENTICATED');
  }
  if (openOperations > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
    return refused(
      `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`,
      'RATE_LIMITED',
    );
  }
  if (payload.query.length > MAX_QUERY_LENGTH) {
    return refused('The subscription document is too long', 'BAD_REQUEST');
  }
  return null;
}
