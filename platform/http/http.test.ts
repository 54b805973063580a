import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { HttpRoutes } from './router.js';
import { graphqlHandler } from './graphql.js';
import { sendJson } from './respond.js';

const LIMIT = 4096;
let server: http.Server;
let apollo: ApolloServer<{ caller: string }>;
let base: string;

beforeAll(async () => {
  apollo = new ApolloServer<{ caller: string }>({
    typeDefs: 'type Query { hello(name: String): String, caller: String }',
    resolvers: {
      Query: {
        hello: (_: unknown, { name }: { name?: string }) => `hello ${name ?? 'world'}`,
        caller: (_: unknown, __: unknown, ctx: { caller: string }) => ctx.caller,
      },
    },
  });
  await apollo.start();
  const routes = new HttpRoutes()
    .all(
      '/graphql',
      graphqlHandler(apollo, {
        bodyLimit: LIMIT,
        context: async (req) => ({ caller: String(req.headers['x-caller'] ?? 'nobody') }),
      }),
    )
    .get('/ok', (_req, res) => sendJson(res, 200, { ok: true }))
    .get('/broken', () => {
      throw new Error('secret detail at db.internal:5432');
    })
    .get('/broken-later', async () => {
      await Promise.resolve();
      throw new Error('secret detail at db.internal:5432');
    });
  server = http.createServer(routes.listener(createLogger('http-test', 'silent')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await apollo.stop();
  await new Promise((resolve) => server.close(resolve));
});

function post(body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('GraphQL over the platform HTTP layer', () => {
  it('answers a POSTed query with its data and a JSON content type', async () => {
    const res = await post(JSON.stringify({ query: '{ hello(name: "ada") caller }' }), {
      'x-caller': 'web',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ data: { hello: 'hello ada', caller: 'web' } });
  });

  it('answers a GET query carried in the URL (with a preflight-forcing header)', async () => {
    const query = encodeURIComponent('{ hello }');
    const res = await fetch(`${base}/graphql?query=${query}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { hello: 'hello world' } });
  });

  it('accepts a gzip-compressed body', async () => {
    const res = await post(gzipSync(JSON.stringify({ query: '{ hello }' })), {
      'content-encoding': 'gzip',
    });
    expect(await res.json()).toEqual({ data: { hello: 'hello world' } });
  });

  it('refuses a body over the limit with 413 and BAD_USER_INPUT, and the connection still serves', async () => {
    const padding = 'x'.repeat(LIMIT);
    const res = await post(JSON.stringify({ query: `{ hello(name: "${padding}") }` }));
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { message: string; extensions: object }[] };
    expect(body.errors[0]!.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(body.errors[0]!.message).toContain(`${LIMIT} bytes`);
    const next = await post(JSON.stringify({ query: '{ hello }' }));
    expect(next.status).toBe(200);
  });

  it('counts the limit after decompression, so a small compressed body cannot expand without bound', async () => {
    const bomb = gzipSync(
      JSON.stringify({ query: `{ hello(name: "${'a'.repeat(LIMIT * 50)}") }` }),
    );
    expect(bomb.length).toBeLessThan(LIMIT);
    const res = await post(bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
  });

  it('refuses a body that is not JSON with 400 and BAD_USER_INPUT', async () => {
    for (const body of ['{"query": ', '"just a string"']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        errors: [
          { message: 'The request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } },
        ],
      });
    }
  });

  it('refuses an encoding or charset it cannot read with 415', async () => {
    const query = JSON.stringify({ query: '{ hello }' });
    expect((await post(query, { 'content-encoding': 'zstd' })).status).toBe(415);
    expect((await post(query, { 'content-type': 'application/json; charset=latin1' })).status).toBe(
      415,
    );
  });

  it('leaves a body of another content type to Apollo, which says what it expects', async () => {
    const res = await post(JSON.stringify({ query: '{ hello }' }), {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/preflight|Content-Type/i);
  });
});

describe('routes', () => {
  it('serves a path with a trailing slash or a query string as the same route', async () => {
    expect((await fetch(`${base}/ok/`)).status).toBe(200);
    expect((await fetch(`${base}/ok?verbose=1`)).status).toBe(200);
  });

  it('answers an unknown path with 404 and a method a route does not serve with 405', async () => {
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
    const res = await fetch(`${base}/ok`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers a failing handler with a bare 500, never the error', async () => {
    for (const path of ['/broken', '/broken-later']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toBe('{"error":"internal error"}');
    }
  });
});
