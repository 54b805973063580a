import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../../platform/logger.js';
import { createTransport, type Transport } from './transport-ws.js';

/**
 * The graphql-transport-ws protocol as a raw client sees it (close codes,
 * message order, pings), against the transport on a real HTTP server. The
 * GraphQL side is a small stand-in: the e2e suite covers it with graphql-ws'
 * own client through the real gateway.
 */

const returned: string[] = [];

/** Two results, then waits until returned (as OrderStream does: return() ends a pending next()). */
function forever(): AsyncIterableIterator<ExecutionResult> {
  const queue: ExecutionResult[] = [{ data: { n: 1 } }, { data: { n: 2 } }];
  let end: (() => void) | null = null;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return {
    next: async () => {
      const value = queue.shift();
      if (value) return { value, done: false };
      await ended;
      return { value: undefined, done: true };
    },
    return: async () => {
      returned.push('forever');
      end!();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* counting(query: string): AsyncIterableIterator<ExecutionResult> {
  try {
    yield { data: { n: 1 } };
    yield { data: { n: 2 } };
    if (query === 'throws') {
      throw new GraphQLError('token expired', { extensions: { code: 'UNAUTHENTICATED' } });
    }
    if (query === 'crashes') throw new Error('connect ECONNREFUSED 10.0.0.7:5432');
  } finally {
    returned.push(query);
  }
}

let server: Server;
let transport: Transport;
let url: string;

beforeAll(async () => {
  transport = createTransport<{ user: string }>({
    maxPayloadBytes: 64 * 1024,
    logger: createLogger('gateway', 'silent'),
    handlers: {
      authenticate: async (params) =>
        params?.authorization === 'Bearer good'
          ? { ok: true, auth: { user: 'u1' } }
          : { ok: false, code: 4401, reason: 'Unauthorized: bad token' },
      subscribe: async (_auth, payload) => {
        if (payload.query === 'invalid') {
          return [new GraphQLError('Cannot query field', { extensions: { code: 'X' } })];
        }
        if (payload.query === 'single') return { errors: [new GraphQLError('FORBIDDEN')] };
        if (payload.query === 'forever') return forever();
        return counting(payload.query);
      },
    },
  });
  server = createServer();
  server.on('upgrade', (req, socket, head) => transport.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await transport.dispose();
  await new Promise((resolve) => server.close(resolve));
});

interface Client {
  socket: WebSocket;
  send(message: object | string): void;
  /** The next message the server sent. */
  next(): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

async function connect(protocols: string[] = ['graphql-transport-ws']): Promise<Client> {
  const socket = new WebSocket(url, protocols);
  const inbox: Record<string, unknown>[] = [];
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    send: (m) => socket.send(typeof m === 'string' ? m : JSON.stringify(m)),
    next: () =>
      inbox.length
        ? Promise.resolve(inbox.shift()!)
        : new Promise((resolve) => waiting.push(resolve)),
    closed,
  };
}

async function acknowledged(): Promise<Client> {
  const client = await connect();
  client.send({ type: 'connection_init', payload: { authorization: 'Bearer good' } });
  expect(await client.next()).toEqual({ type: 'connection_ack' });
  return client;
}

const subscribe = (id: string, query: string) => ({ id, type: 'subscribe', payload: { query } });

describe('graphql-transport-ws transport', () => {
  it('refuses a client that does not speak graphql-transport-ws with 4406', async () => {
    const client = await connect([]);
    expect(await client.closed).toEqual({ code: 4406, reason: 'Subprotocol not acceptable' });
  });

  it('closes a connection that never sends connection_init with 4408', async () => {
    const client = await connect();
    expect((await client.closed).code).toBe(4408);
  });

  it("closes with the authenticator's code when connection_init is refused", async () => {
    const client = await connect();
    client.send({ type: 'connection_init', payload: { authorization: 'Bearer bad' } });
    expect(await client.closed).toEqual({ code: 4401, reason: 'Unauthorized: bad token' });
  });

  it('closes with 4429 on a second connection_init and 4401 on a subscribe before the ack', async () => {
    const twice = await acknowledged();
    twice.send({ type: 'connection_init' });
    expect((await twice.closed).code).toBe(4429);

    const early = await connect();
    early.send(subscribe('1', 'any'));
    expect((await early.closed).code).toBe(4401);
  });

  it('closes with 4400 on a message that is not JSON or not a protocol message', async () => {
    for (const bad of ['{nope', '{"type":"subscribe","id":"1","payload":{}}', '{"type":"next"}']) {
      const client = await acknowledged();
      client.send(bad);
      expect(await client.closed).toEqual({ code: 4400, reason: 'Invalid message received' });
    }
  });

  it('streams next messages then complete, and answers an invalid operation with an error on a connection that stays usable', async () => {
    const client = await acknowledged();
    client.send(subscribe('a', 'invalid'));
    expect(await client.next()).toEqual({
      id: 'a',
      type: 'error',
      payload: [{ message: 'Cannot query field', extensions: { code: 'X' } }],
    });
    client.send(subscribe('b', 'two'));
    expect(await client.next()).toEqual({ id: 'b', type: 'next', payload: { data: { n: 1 } } });
    expect(await client.next()).toEqual({ id: 'b', type: 'next', payload: { data: { n: 2 } } });
    expect(await client.next()).toEqual({ id: 'b', type: 'complete' });
    // A single result (a refused subscription) is `next` then `complete`.
    client.send(subscribe('c', 'single'));
    expect(await client.next()).toEqual({
      id: 'c',
      type: 'next',
      payload: { errors: [{ message: 'FORBIDDEN' }] },
    });
    expect(await client.next()).toEqual({ id: 'c', type: 'complete' });
    client.socket.close();
  });

  it('ends a stream that fails with one error message: its code, never internals', async () => {
    const client = await acknowledged();
    client.send(subscribe('e', 'throws'));
    await client.next();
    await client.next();
    expect(await client.next()).toEqual({
      id: 'e',
      type: 'error',
      payload: [{ message: 'token expired', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    client.send(subscribe('f', 'crashes'));
    await client.next();
    await client.next();
    expect(await client.next()).toEqual({
      id: 'f',
      type: 'error',
      payload: [
        { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ],
    });
    client.socket.close();
  });

  it('closes with 4409 when an id already in use is subscribed again', async () => {
    const client = await acknowledged();
    client.send(subscribe('dup', 'forever'));
    await client.next();
    client.send(subscribe('dup', 'forever'));
    expect(await client.closed).toEqual({
      code: 4409,
      reason: 'Subscriber for dup already exists',
    });
  });

  it("stops a stream on the client's complete, and every stream when the socket closes", async () => {
    const client = await acknowledged();
    client.send(subscribe('s1', 'forever'));
    client.send(subscribe('s2', 'forever'));
    await client.next();
    await client.next();
    await client.next();
    await client.next();
    returned.length = 0;
    client.send({ id: 's1', type: 'complete' });
    // A ping after it is answered after it: the complete was handled.
    client.send({ type: 'ping', payload: { at: 1 } });
    expect(await client.next()).toEqual({ type: 'pong', payload: { at: 1 } });
    expect(returned).toEqual(['forever']);
    client.socket.close();
    await client.closed;
    await expect.poll(() => returned.length).toBe(2);
  });

  it('closes open connections with 1001 Going away on dispose', async () => {
    const own = createTransport<object>({
      maxPayloadBytes: 1024,
      logger: createLogger('gateway', 'silent'),
      handlers: {
        authenticate: async () => ({ ok: true, auth: {} }),
        subscribe: async () => [],
      },
    });
    const detour = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      own.handleUpgrade(req, socket, head);
    server.removeAllListeners('upgrade');
    server.on('upgrade', detour);
    try {
      const client = await connect();
      await own.dispose();
      expect(await client.closed).toEqual({ code: 1001, reason: 'Going away' });
    } finally {
      server.removeAllListeners('upgrade');
      server.on('upgrade', (req, socket, head) => transport.handleUpgrade(req, socket, head));
    }
  });
});
