import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CatalogDocument,
  MeDocument,
  ProductDetailDocument,
  UpdateProductDocument,
} from '../../client/__generated__/graphql.js';
import type { StackHandle } from '../../scripts/lib/stack.js';
import { gql } from '../support/client.js';
import { startExtraGateway } from '../support/extra-gateway.js';
import { adminToken, createProduct, signUpCustomer } from '../support/fixtures.js';

/** A second gateway on the test stack's subgraphs, run as a supervisor and two workers. */
let stack: StackHandle;
let url: string;

beforeAll(async () => {
  stack = await startExtraGateway(4196, { GATEWAY_WORKERS: '2' });
  url = stack.gatewayUrl!;
});

afterAll(async () => {
  await stack?.stop();
});

describe('a gateway with GATEWAY_WORKERS=2', () => {
  it('serves queries from both workers on one port, each with the caller’s identity', async () => {
    const customer = await signUpCustomer('Worker Tester');
    // Fresh connections (no keep-alive) are handed out round-robin: both workers answer.
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        gql(MeDocument, {}, { url, token: customer.token, headers: { connection: 'close' } }),
      ),
    );
    for (const { data, errors } of answers) {
      expect(errors).toBeUndefined();
      expect(data?.me?.email).toBe(customer.email);
    }
    const catalog = await gql(CatalogDocument, { first: 1 }, { url });
    expect(catalog.errors).toBeUndefined();
  });

  it('shows a catalogue change made through another gateway to the next read on every worker', async () => {
    const admin = await adminToken();
    const product = await createProduct(admin, { price: 1200 });
    // Fresh connections, so both workers read the product and keep the answer.
    const prices = async () =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          const { data } = await gql(
            ProductDetailDocument,
            { id: product.id },
            { url, headers: { connection: 'close' } },
          );
          return data?.product?.price.amount;
        }),
      );
    expect(await prices()).toEqual(Array(8).fill(1200));

    // Through the test stack's own gateway, another process altogether.
    const updated = await gql(
      UpdateProductDocument,
      { input: { id: product.id, price: { amount: 1300, currency: 'EUR' } } },
      { token: admin },
    );
    expect(updated.data?.updateProduct.userErrors).toEqual([]);

    expect(await prices()).toEqual(Array(8).fill(1300));
  });

  it('answers /metrics for both workers together, whichever one a scrape reaches', async () => {
    const metricsUrl = url.replace(/\/graphql$/, '/metrics');
    // The Me requests of the test above, spread over both workers.
    const meRequests = async () => {
      const res = await fetch(metricsUrl, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      return (await res.text())
        .split('\n')
        .filter(
          (line) => line.startsWith('http_requests_total{') && line.includes('operation="Me"'),
        )
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    };
    const scrapes = await Promise.all(Array.from({ length: 4 }, meRequests));
    expect(scrapes).toEqual([10, 10, 10, 10]);
  });

  it('stops gracefully: every worker and the supervisor exit cleanly on SIGTERM', async () => {
    const exits = await stack.stop();
    expect(exits, JSON.stringify(exits)).toEqual([
      expect.objectContaining({ name: 'gateway', code: 0 }),
    ]);
  });
});
