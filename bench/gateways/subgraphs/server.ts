import http from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  execute,
  parse,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import type { BenchSubgraph } from './subgraph.js';

/**
 * A lean GraphQL-over-HTTP server for one benchmark subgraph: raw node:http,
 * graphql-js, no framework. The subgraphs must cost as little as possible so
 * the gateways, not the subgraphs, are what the benchmark measures; a gateway
 * sends the same few documents over and over, so each is parsed and validated
 * once and reused by its text.
 */

/** Parsed and validated documents by query text; bounded, in case a client sends unique texts. */
const MAX_CACHED = 1_000;

type Prepared = { document: DocumentNode } | { errors: readonly GraphQLError[] };

interface Body {
  query?: unknown;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

function prepare(schema: GraphQLSchema, cache: Map<string, Prepared>, query: string): Prepared {
  let prepared = cache.get(query);
  if (prepared) return prepared;
  try {
    const document = parse(query);
    const errors = validate(schema, document);
    prepared = errors.length ? { errors } : { document };
  } catch (err) {
    prepared = { errors: [err as GraphQLError] };
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(query, prepared);
  return prepared;
}

function send(res: http.ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function answer(schema: GraphQLSchema, cache: Map<string, Prepared>, raw: string) {
  let body: Body;
  try {
    body = JSON.parse(raw) as Body;
  } catch {
    return { status: 400, payload: { errors: [{ message: 'body is not JSON' }] } };
  }
  if (typeof body.query !== 'string') {
    return { status: 400, payload: { errors: [{ message: 'no query' }] } };
  }
  const prepared = prepare(schema, cache, body.query);
  if ('errors' in prepared) return { status: 400, payload: { errors: prepared.errors } };
  const result = await execute({
    schema,
    document: prepared.document,
    variableValues: body.variables ?? undefined,
    operationName: body.operationName ?? undefined,
    contextValue: {},
  });
  return { status: 200, payload: result };
}

export function serveSubgraph(subgraph: BenchSubgraph, host: string, port: number) {
  const schema = buildSubgraphSchema({
    typeDefs: parse(subgraph.typeDefs),
    resolvers: subgraph.resolvers,
  });
  const cache = new Map<string, Prepared>();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') return send(res, 200, { status: 'ok', subgraph: subgraph.name });
    if (req.method !== 'POST') return send(res, 405, { errors: [{ message: 'POST only' }] });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(schema, cache, Buffer.concat(chunks).toString('utf8')).then(
        ({ status, payload }) => send(res, status, payload),
        (err: Error) => send(res, 500, { errors: [{ message: err.message }] }),
      );
    });
  });
  // Longer than any gateway keeps an idle connection, so a reused connection
  // is never closed by the subgraph under a request.
  server.keepAliveTimeout = 75_000;
  server.headersTimeout = 76_000;
  return new Promise<http.Server>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
