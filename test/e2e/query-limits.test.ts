import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { loadGatewayConfig } from '../../platform/config.js';
import { measureOperations } from '../../gateway/edge/query-limits.js';
import { gatewayUrl, gql } from '../support/client.js';

/** Raw POST, for bodies the typed client cannot send (arrays, oversized, broken JSON). */
async function post(body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(gatewayUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

function codes(errors: readonly { extensions?: Record<string, unknown> }[] | undefined) {
  return (errors ?? []).map((e) => e.extensions?.code);
}

/** me → (orders → edges → node → customer) × levels → leaf: valid at any depth. */
function nested(levels: number, leaf: string): string {
  let inner = leaf;
  for (let i = 0; i < levels; i += 1) {
    inner = `orders(first: 1) { edges { node { customer { ${inner} } } } }`;
  }
  return `query Deep { me { ${inner} } }`;
}

describe('query limits at the gateway', () => {
  it('leaves every contract operation well inside the default limits', () => {
    const defaults = loadGatewayConfig({});
    const manifest = JSON.parse(readFileSync('client/persisted-documents.json', 'utf8')) as Record<
      string,
      string
    >;
    const shapes = Object.values(manifest).flatMap((text) => [
      ...measureOperations(parse(text)).values(),
    ]);
    expect(shapes.length).toBeGreaterThanOrEqual(20);
    for (const shape of shapes) {
      expect(shape.depth).toBeLessThanOrEqual(defaults.MAX_QUERY_DEPTH - 3);
      expect(shape.aliases).toBeLessThanOrEqual(defaults.MAX_QUERY_ALIASES);
      expect(shape.cost * 5).toBeLessThanOrEqual(defaults.MAX_QUERY_COST);
    }
  });

  it('answers a query at the depth limit and refuses one level deeper with QUERY_TOO_COMPLEX', async () => {
    // 1 (me) + 2 × 4 + the leaf's 3 or 4 levels: 12 and 13.
    const ok = await gql(nested(2, 'orders(first: 1) { edges { cursor } }'));
    expect(ok.status).toBe(200);
    expect(codes(ok.errors)).not.toContain('QUERY_TOO_COMPLEX');
    const { status, data, errors } = await gql(
      nested(2, 'orders(first: 1) { edges { node { id } } }'),
    );
    expect(status).toBe(400);
    expect(data).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(errors?.[0]?.message).toMatch(/nested 13 levels deep; the maximum depth is 12/);
  });

  it('refuses an alias-heavy query naming the alias limit', async () => {
    const fields = Array.from({ length: 21 }, (_, i) => `n${i}: name`).join(' ');
    const { errors } = await gql(`{ products(first: 1) { edges { node { ${fields} } } } }`);
    expect(codes(errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errors?.[0]?.message).toMatch(/21 aliases; the maximum is 20/);
  });

  it('refuses a wide query whose estimated cost exceeds the limit, and serves a modest page', async () => {
    const fields = 'id name description sku createdAt '.repeat(10);
    const wide = await gql(`{ products(first: 100) { edges { node { ${fields} } } } }`);
    expect(codes(wide.errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(wide.errors?.[0]?.message).toMatch(/estimated cost of \d+; the maximum cost is 5000/);
    const modest = await gql(`{ products(first: 5) { edges { node { ${fields} } } } }`);
    expect(modest.errors).toBeUndefined();
  });

  it('refuses a document with more tokens than the limit before parsing it all', async () => {
    const { status, errors } = await gql(`{ ${'__typename '.repeat(3001)}}`);
    expect(status).toBe(400);
    expect(codes(errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errors?.[0]?.message).toMatch(/more than 3000 tokens/);
  });

  it('answers an oversized body with 413 and a GraphQL-shaped BAD_USER_INPUT error', async () => {
    const big = JSON.stringify({
      query: '{ __typename }',
      variables: { pad: 'x'.repeat(300_000) },
    });
    const { status, json } = await post(big);
    expect(status).toBe(413);
    expect(json).toEqual({
      errors: [
        {
          message: 'The request body is larger than the limit of 262144 bytes',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
  });

  it('answers a body that is not JSON with 400 BAD_USER_INPUT, not an HTML page', async () => {
    const { status, json } = await post('{"query": ');
    expect(status).toBe(400);
    expect(json).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('refuses a batched (array) body', async () => {
    const { status, json } = await post(
      JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });
});
