import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackHandle } from '../../scripts/lib/stack.js';
import { gql } from '../support/client.js';
import { startExtraGateway } from '../support/extra-gateway.js';

/** A gateway in production mode (its own secrets, so it calls no subgraph successfully). */
let stack: StackHandle;
let url: string;

beforeAll(async () => {
  stack = await startExtraGateway(4195, {
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    IDENTITY_SECRET: randomBytes(32).toString('hex'),
  });
  url = stack.gatewayUrl!;
});

afterAll(async () => {
  await stack?.stop();
});

describe('the gateway in production mode', () => {
  it("keeps an idle client connection open past Node's default 5 s, as load balancers expect", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const socketsUsed: Array<number | undefined> = [];
    const ask = () =>
      new Promise<number | undefined>((resolve, reject) => {
        const request = http.request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (response) => {
            socketsUsed.push(request.socket?.localPort);
            response.resume();
            response.on('end', () => resolve(response.statusCode));
          },
        );
        request.on('error', reject);
        request.end(JSON.stringify({ query: '{ __typename }' }));
      });
    try {
      expect(await ask()).toBe(200);
      await sleep(6_000);
      expect(await ask()).toBe(200);
      // The same connection answered both: the gateway did not close it while idle.
      expect(socketsUsed[1]).toBe(socketsUsed[0]);
    } finally {
      agent.destroy();
    }
  }, 20_000);

  it('refuses introspection', async () => {
    const { status, data, errors } = await gql('{ __schema { queryType { name } } }', {}, { url });
    expect(status).toBe(400);
    expect(data).toBeUndefined();
    expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errors?.[0]?.message).toMatch(/introspection is not allowed/i);
  });

  it('still applies the query limits, with no stack trace in the error', async () => {
    const fields = Array.from({ length: 21 }, (_, i) => `n${i}: name`).join(' ');
    const { errors } = await gql(
      `{ products(first: 1) { edges { node { ${fields} } } } }`,
      {},
      {
        url,
      },
    );
    expect(errors).toHaveLength(1);
    expect(errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(JSON.stringify(errors)).not.toMatch(/stacktrace|\.ts:\d+/);
  });
});
