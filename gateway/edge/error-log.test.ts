import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { maskErrors } from '../../platform/errors.js';
import type { GatewayContext } from '../context.js';
import { edgeFormatError } from './edge-errors.js';
import { unexpectedErrorLog } from './error-log.js';

/** A server with the gateway's error handling, logging into an array. */
async function serverWithErrorLog() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const errorLog = unexpectedErrorLog(logger);
  const server = new ApolloServer<GatewayContext>({
    typeDefs: 'type Query { broken: Int, forbidden: Int, fine: Int }',
    resolvers: {
      Query: {
        broken: () => {
          throw new Error('connect ECONNREFUSED db.internal:5432');
        },
        forbidden: () => {
          throw new GraphQLError('Not your order', { extensions: { code: 'FORBIDDEN' } });
        },
        fine: () => 1,
      },
    },
    formatError: edgeFormatError(maskErrors(logger, errorLog.report)),
    plugins: [errorLog.plugin],
  });
  await server.start();
  const run = async (query: string, traceId: string) => {
    const contextValue: GatewayContext = { identity: null, tokenProblem: null, traceId };
    const response = await server.executeOperation({ query }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return response.body.singleResult;
  };
  return { server, lines, run };
}

describe('gateway error log', () => {
  it('logs a masked error once, under the trace id of the request it failed in, and tells the client nothing', async () => {
    const { server, lines, run } = await serverWithErrorLog();
    try {
      const result = await run('{ broken fine }', 'trace0failing0request');
      expect(result.errors).toEqual([
        {
          message: 'Internal server error',
          path: ['broken'],
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expect(result.data).toEqual({ broken: null, fine: 1 });

      const logged = lines.filter((line) => line.msg === 'unexpected error in resolver');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        level: 50,
        traceId: 'trace0failing0request',
        path: ['broken'],
        err: { message: 'connect ECONNREFUSED db.internal:5432' },
      });
    } finally {
      await server.stop();
    }
  });

  it('does not log errors written for the client, and keeps concurrent requests apart', async () => {
    const { server, lines, run } = await serverWithErrorLog();
    try {
      const [forbidden, broken] = await Promise.all([
        run('{ forbidden }', 'trace0forbidden0one'),
        run('{ broken }', 'trace0broken0one'),
      ]);
      expect(forbidden.errors?.[0]).toMatchObject({
        message: 'Not your order',
        extensions: { code: 'FORBIDDEN' },
      });
      expect(broken.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      const logged = lines.filter((line) => line.msg === 'unexpected error in resolver');
      expect(logged.map((line) => line.traceId)).toEqual(['trace0broken0one']);
    } finally {
      await server.stop();
    }
  });
});
