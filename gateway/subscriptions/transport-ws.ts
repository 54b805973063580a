import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../../platform/logger.js';
import { openConnections } from './metrics.js';
import {
  GRAPHQL_TRANSPORT_WS,
  PROTOCOL_CLOSE,
  readMessage,
  type SubscribePayload,
} from './transport-messages.js';

/**
 * The server side of the `graphql-transport-ws` protocol (the one the
 * graphql-ws client speaks), over `ws`. We speak it ourselves rather than
 * through graphql-ws' server because of what one connection costs: graphql-ws
 * keeps, per connection, a keep-alive interval and pong timer, half a dozen
 * closures, and for each subscription the suspended frame of the async
 * function that handled its `subscribe` message (the raw message, the parsed
 * payload, the connection params with the token); measured on this code,
 * ~16.5 KB of resident memory per idle subscriber against ~9 KB here, which
 * at 10,000 subscribers is the difference between fitting in 300 MB or not
 * (docs/decisions/0014-own-graphql-transport-ws-server.md). Listeners are
 * shared functions, keep-alive is one sweep over all connections, and a
 * result shared by many subscribers is serialised once.
 */

/** How often every connection is pinged; one without a pong by the next sweep is cut. */
const KEEP_ALIVE_MS = 12_000;
/** Connections pinged per turn of the event loop during a keep-alive sweep. */
const SWEEP_SLICE = 500;
/** A connection that has not sent connection_init by then is closed (as graphql-ws does). */
const INIT_TIMEOUT_MS = 3_000;
/** On shutdown, sockets that do not answer the close handshake are cut after this. */
const CLOSE_GRACE_MS = 1_500;

/** What the GraphQL side does with a connection's messages. */
export interface TransportHandlers<Auth> {
  /** connection_init: the connection's authentication, or why it is closed. */
  authenticate(
    params: Readonly<Record<string, unknown>> | undefined,
  ): Promise<{ ok: true; auth: Auth } | { ok: false; code: number; reason: string }>;
  /**
   * subscribe: errors (sent as one `error` message), a single result (sent as
   * `next` then `complete`) or the stream of results.
   */
  subscribe(
    auth: Auth,
    payload: SubscribePayload,
    openOperations: number,
  ): Promise<readonly GraphQLError[] | ExecutionResult | AsyncIterableIterator<ExecutionResult>>;
}

export interface TransportOptions<Auth> {
  maxPayloadBytes: number;
  logger: Logger;
  handlers: TransportHandlers<Auth>;
}

export interface Transport {
  /** Takes over an HTTP upgrade request already checked for its path. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection with 1001 Going away (cut after a grace period). */
  dispose(): Promise<void>;
}

type Stream = AsyncIterableIterator<ExecutionResult>;

class Connection<Auth> {
  auth: Auth | null = null;
  initReceived = false;
  /** Answered a ping since the last keep-alive sweep. */
  alive = true;
  initTimer: NodeJS.Timeout | null = null;
  /** Operation ids in use: the running stream, or null while it is being prepared. */
  operations: Map<string, Stream | null> | null = null;

  constructor(readonly socket: WebSocket) {}
}

/** Serialised once per shared result object, whatever the number of subscribers. */
const payloads = new WeakMap<ExecutionResult, string>();

function nextMessage(id: string, result: ExecutionResult): string {
  let payload = payloads.get(result);
  if (payload === undefined) {
    payload = JSON.stringify(result);
    payloads.set(result, payload);
  }
  return `{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`;
}

const errorMessage = (id: string, errors: readonly (GraphQLError | GraphQLFormattedError)[]) =>
  JSON.stringify({ id, type: 'error', payload: errors });

const completeMessage = (id: string) => JSON.stringify({ id, type: 'complete' });

const isStream = (value: object): value is Stream =>
  typeof (value as Stream)[Symbol.asyncIterator] === 'function';

/** Resolves once the frame is written (the back-pressure a slow client puts on its stream). */
function send(socket: WebSocket, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.readyState !== socket.OPEN) return resolve();
    socket.send(data, (err) => (err ? reject(err) : resolve()));
  });
}

/** An error a stream threw, as the client sees it: its message and code, never internals. */
function streamError(err: unknown): GraphQLFormattedError {
  if (err instanceof GraphQLError) return { message: err.message, extensions: err.extensions };
  return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export function createTransport<Auth>(options: TransportOptions<Auth>): Transport {
  const { logger, handlers } = options;
  const connections = new Map<WebSocket, Connection<Auth>>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: options.maxPayloadBytes,
    handleProtocols: (offered) =>
      offered.has(GRAPHQL_TRANSPORT_WS) ? GRAPHQL_TRANSPORT_WS : false,
  });

  const close = (conn: Connection<Auth>, code: number, reason: string) =>
    conn.socket.close(code, reason);

  const internalError = (conn: Connection<Auth>, err: unknown) => {
    logger.error({ err }, 'graphql-transport-ws message handling failed');
    close(conn, PROTOCOL_CLOSE.INTERNAL_ERROR, 'Internal server error');
  };

  async function pump(conn: Connection<Auth>, id: string, stream: Stream): Promise<void> {
    const current = () => conn.operations?.get(id) === stream;
    let ended = false;
    try {
      for (;;) {
        const step = await stream.next();
        if (step.done) {
          ended = true;
          break;
        }
        if (!current()) break;
        await send(conn.socket, nextMessage(id, step.value));
      }
      // Completed by the server (not by the client's own `complete`): tell the client.
      if (!ended || !current()) return;
      conn.operations?.delete(id);
      await send(conn.socket, completeMessage(id));
    } catch (err) {
      if (!current()) return;
      conn.operations?.delete(id);
      await send(conn.socket, errorMessage(id, [streamError(err)]));
    } finally {
      // However it ended (a failed write included), the stream lets go of what
      // it holds; returning a stream that already ended does nothing.
      if (!ended) await stream.return?.();
    }
  }

  async function subscribe(conn: Connection<Auth>, id: string, payload: SubscribePayload) {
    const auth = conn.auth;
    if (!auth) return close(conn, PROTOCOL_CLOSE.UNAUTHORIZED, 'Unauthorized');
    const operations = (conn.operations ??= new Map());
    if (operations.has(id)) {
      return close(conn, PROTOCOL_CLOSE.SUBSCRIBER_EXISTS, `Subscriber for ${id} already exists`);
    }
    operations.set(id, null);
    let outcome: Awaited<ReturnType<TransportHandlers<Auth>['subscribe']>>;
    try {
      outcome = await handlers.subscribe(auth, payload, operations.size);
    } catch (err) {
      operations.delete(id);
      throw err;
    }
    const wanted = operations.has(id) && operations.get(id) === null;
    if (Array.isArray(outcome)) {
      operations.delete(id);
      if (wanted) await send(conn.socket, errorMessage(id, outcome));
    } else if (isStream(outcome)) {
      // The client completed (or left) while this was being prepared.
      if (!wanted || conn.socket.readyState !== conn.socket.OPEN) {
        await outcome.return?.();
        return;
      }
      operations.set(id, outcome);
      pump(conn, id, outcome).catch((err: unknown) =>
        logger.debug({ err }, 'subscription stream ended with its socket'),
      );
    } else {
      operations.delete(id);
      if (!wanted) return;
      await send(conn.socket, nextMessage(id, outcome as ExecutionResult));
      await send(conn.socket, completeMessage(id));
    }
  }

  async function handle(conn: Connection<Auth>, data: RawData): Promise<void> {
    const message = readMessage(String(data));
    if (!message) return close(conn, PROTOCOL_CLOSE.BAD_REQUEST, 'Invalid message received');
    switch (message.type) {
      case 'connection_init': {
        if (conn.initReceived) {
          return close(conn, PROTOCOL_CLOSE.TOO_MANY_INITS, 'Too many initialisation requests');
        }
        conn.initReceived = true;
        if (conn.initTimer) clearTimeout(conn.initTimer);
        conn.initTimer = null;
        const outcome = await handlers.authenticate(message.payload ?? undefined);
        if (!outcome.ok) return close(conn, outcome.code, outcome.reason);
        conn.auth = outcome.auth;
        return send(conn.socket, '{"type":"connection_ack"}');
      }
      case 'ping':
        return send(
          conn.socket,
          JSON.stringify(
            message.payload ? { type: 'pong', payload: message.payload } : { type: 'pong' },
          ),
        );
      case 'pong':
        return;
      case 'subscribe':
        return subscribe(conn, message.id, message.payload);
      case 'complete': {
        const stream = conn.operations?.get(message.id);
        conn.operations?.delete(message.id);
        await stream?.return?.();
        return;
      }
    }
  }

  // Shared listeners: `this` is the socket, its state is looked up.
  function onMessage(this: WebSocket, data: RawData) {
    const conn = connections.get(this);
    if (conn) handle(conn, data).catch((err: unknown) => internalError(conn, err));
  }
  function onPong(this: WebSocket) {
    const conn = connections.get(this);
    if (conn) conn.alive = true;
  }
  function onError(this: WebSocket, err: Error) {
    // ws closes the socket itself (e.g. 1009 for an oversized message).
    logger.debug({ err: err.message }, 'WebSocket error');
  }
  function onClose(this: WebSocket) {
    const conn = connections.get(this);
    if (!conn) return;
    connections.delete(this);
    openConnections.dec();
    if (conn.initTimer) clearTimeout(conn.initTimer);
    const streams = conn.operations ? [...conn.operations.values()] : [];
    conn.operations = null;
    for (const stream of streams) {
      stream?.return?.().catch((err: unknown) => logger.debug({ err }, 'stream did not close'));
    }
  }

  function accept(socket: WebSocket) {
    const conn = new Connection<Auth>(socket);
    connections.set(socket, conn);
    openConnections.inc();
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('error', onError);
    socket.once('close', onClose);
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS) {
      return close(conn, PROTOCOL_CLOSE.SUBPROTOCOL_NOT_ACCEPTABLE, 'Subprotocol not acceptable');
    }
    conn.initTimer = setTimeout(() => {
      conn.initTimer = null;
      if (!conn.initReceived) {
        close(conn, PROTOCOL_CLOSE.INIT_TIMEOUT, 'Connection initialisation timeout');
      }
    }, INIT_TIMEOUT_MS);
  }

  // One sweep for every connection instead of a timer pair per connection,
  // in slices so that thousands of pings never hold up deliveries for long.
  const sweep = (sockets: Iterator<Connection<Auth>>) => {
    for (let i = 0; i < SWEEP_SLICE; i++) {
      const next = sockets.next();
      if (next.done) return;
      const conn = next.value;
      if (!conn.alive) {
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      conn.socket.ping();
    }
    setImmediate(sweep, sockets);
  };
  const keepAlive = setInterval(() => sweep([...connections.values()].values()), KEEP_ALIVE_MS);
  keepAlive.unref();

  return {
    handleUpgrade(request, socket, head) {
      // The request is not kept: with thousands of connections open, its
      // headers would be memory held for nothing.
      wss.handleUpgrade(request, socket, head, accept);
    },
    async dispose() {
      clearInterval(keepAlive);
      const open = [...connections.keys()];
      const closed = open.map((s) => new Promise((resolve) => s.once('close', resolve)));
      for (const socket of open) socket.close(1001, 'Going away');
      const cut = setTimeout(() => {
        for (const socket of open) socket.terminate();
      }, CLOSE_GRACE_MS);
      try {
        await Promise.all(closed);
      } finally {
        clearTimeout(cut);
        await new Promise((resolve) => wss.close(resolve));
      }
    },
  };
}
