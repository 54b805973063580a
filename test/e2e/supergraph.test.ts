import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { MyOrdersDocument } from '../../client/__generated__/graphql.js';
import { SERVICE_NAMES } from '../../platform/config.js';
import { gql } from '../support/client.js';
import { signIdentity } from '../../platform/identity.js';
import { adminToken, createProduct, signUpCustomer, placeOrder } from '../support/fixtures.js';
import { randomUUID } from 'node:crypto';

describe('the supergraph', () => {
  it.each(SERVICE_NAMES)(
    'has the %s subgraph answer _service { sdl } with its entities',
    async (name) => {
      const url = inject('serviceUrls')[name]!;
      const { data, errors } = await gql<{ _service: { sdl: string } }>(
        '{ _service { sdl } }',
        {},
        { url },
      );
      expect(errors).toBeUndefined();
      expect(data?._service.sdl).toMatch(/@key\(fields: "id"/);
    },
  );

  it('answers one query that crosses the order, user, product, inventory and payment subgraphs', async () => {
    const admin = await adminToken();
    const customer = await signUpCustomer();
    const product = await createProduct(admin, { stock: 3, name: 'Crossing Lamp' });
    await placeOrder(customer, product, 1);
    const { data, errors } = await gql(MyOrdersDocument, {}, { token: customer.token });
    expect(errors).toBeUndefined();
    expect(data?.me?.id).toBe(customer.id);
    expect(data?.me?.orders.edges[0]?.node.items[0]?.product).toEqual({
      name: 'Crossing Lamp',
      inventory: { available: expect.any(Number) },
    });
  });

  it('refuses a forged identity sent straight to a subgraph', async () => {
    const customer = await signUpCustomer();
    const url = inject('serviceUrls').user!;
    const forged = signIdentity(
      'not-the-identity-secret-of-this-deployment',
      { userId: customer.id, roles: ['ADMIN'] },
      randomUUID(),
    );
    const { data, errors } = await gql<{ me: { id: string } | null }>(
      '{ me { id } }',
      {},
      { url, headers: forged },
    );
    expect(data?.me ?? null).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const unsigned = await gql<{ me: { id: string } | null }>(
      '{ me { id } }',
      {},
      { url, headers: { 'x-identity': forged['x-identity']! } },
    );
    expect(unsigned.data?.me ?? null).toBeNull();
    expect(unsigned.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('tells caches not to store any answer, from the gateway and from every subgraph', async () => {
    const product = await gql('{ products(first: 1) { totalCount } }');
    expect(product.errors).toBeUndefined();
    expect(product.headers.get('cache-control')).toBe('no-store');
    const refused = await gql('{ nope }');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    for (const name of SERVICE_NAMES) {
      const direct = await gql('{ _service { sdl } }', {}, { url: inject('serviceUrls')[name]! });
      expect(direct.headers.get('cache-control'), name).toBe('no-store');
    }
  });
});
