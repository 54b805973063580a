import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackHandle } from '../../scripts/lib/stack.js';
import { gatewayUrl } from '../support/client.js';
import { startExtraGateway } from '../support/extra-gateway.js';

/**
 * A gateway over the test stack's subgraphs that lets one storefront origin
 * call it from the browser, and the test stack's own gateway, which allows
 * none (the default). Requests are what a browser sends.
 */
const SHOP = 'https://shop.example.test';
let stack: StackHandle;
let url: string;

beforeAll(async () => {
  stack = await startExtraGateway(4199, { CORS_ORIGINS: `${SHOP}, https://admin.example.test` });
  url = stack.gatewayUrl!;
});

afterAll(async () => {
  await stack?.stop();
});

const preflight = (target: string, origin: string) =>
  fetch(target, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

const query = (target: string, origin?: string) =>
  fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ query: '{ __typename }' }),
  });

describe('cross-origin requests from browsers', () => {
  it('answers an allowed origin’s preflight with the methods and headers the storefront sends', async () => {
    const res = await preflight(url, SHOP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = res.headers.get('access-control-allow-headers') ?? '';
    expect(allowed).toContain('authorization');
    expect(allowed).toContain('content-type');
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('lets an allowed origin read the answer, its trace id and a refusal’s Retry-After', async () => {
    const res = await query(url, SHOP);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    const exposed = res.headers.get('access-control-expose-headers') ?? '';
    expect(exposed).toContain('retry-after');
    expect(exposed).toContain('x-trace-id');
  });

  it('gives an origin not on the list no CORS headers, so the browser refuses', async () => {
    const pre = await preflight(url, 'https://evil.example.test');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await query(url, 'https://evil.example.test');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers clients that send no Origin (apps, servers) as before', async () => {
    const res = await query(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows no origin unless told to (the default)', async () => {
    const res = await preflight(gatewayUrl(), SHOP);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
