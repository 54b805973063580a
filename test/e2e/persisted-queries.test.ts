import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { print, type GraphQLFormattedError } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OrderUpdatesDocument, ProductDetailDocument } from '../../client/__generated__/graphql.js';
import type { StackHandle } from '../../scripts/lib/stack.js';
import { gatewayUrl } from '../support/client.js';
import { startExtraGateway } from '../support/extra-gateway.js';
import { signUpCustomer } from '../support/fixtures.js';
import { subscribe } from '../support/ws-client.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

async function send(
  url: string,
  body: { query?: string; hash?: string; variables?: Record<string, unknown> },
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: body.query,
      variables: body.variables,
      ...(body.hash
        ? { extensions: { persistedQuery: { version: 1, sha256Hash: body.hash } } }
        : {}),
    }),
  });
  return { status: res.status, ...((await res.json()) as Omit<Answer, 'status'>) };
}

const codes = (a: Answer) => (a.errors ?? []).map((e) => e.extensions?.code);

describe('automatic persisted queries (default mode)', () => {
  it('answers PERSISTED_QUERY_NOT_FOUND for an unknown hash, then runs the query by hash once registered, stored in Redis', async () => {
    const query = `query Apq${randomUUID().replaceAll('-', '')} { __typename }`;
    const hash = sha256(query);
    const unknown = await send(gatewayUrl(), { hash });
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(unknown.data).toBeUndefined();

    const registered = await send(gatewayUrl(), { query, hash });
    expect(registered.errors).toBeUndefined();
    expect(registered.data).toEqual({ __typename: 'Query' });

    const byHash = await send(gatewayUrl(), { hash });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toEqual({ __typename: 'Query' });

    const redis = new Redis(inject('testEnv').REDIS_URL!);
    try {
      const key = `${inject('testEnv').REDIS_KEY_PREFIX}apq:${hash}`;
      expect(await redis.get(key)).toBe(query);
      expect(await redis.ttl(key)).toBeGreaterThan(3600);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a hash that does not match the query sent with it', async () => {
    const answer = await send(gatewayUrl(), {
      query: '{ __typename }',
      hash: sha256('{ me { id } }'),
    });
    expect(answer.status).toBe(400);
    expect(answer.errors).toEqual([
      { message: 'provided sha does not match query', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
  });
});

describe('trusted-documents mode', () => {
  let stack: StackHandle;
  let url: string;
  const manifest = JSON.parse(readFileSync('client/persisted-documents.json', 'utf8')) as Record<
    string,
    string
  >;
  const productDetailHash = Object.keys(manifest).find((h) =>
    manifest[h]!.startsWith('query ProductDetail('),
  )!;

  beforeAll(async () => {
    stack = await startExtraGateway(4194, { PERSISTED_DOCUMENTS: 'trusted' });
    url = stack.gatewayUrl!;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses an ad-hoc query with PERSISTED_QUERY_NOT_FOUND and runs nothing', async () => {
    const answer = await send(url, { query: '{ products(first: 1) { totalCount } }' });
    expect(answer.status).toBe(400);
    expect(answer.data).toBeUndefined();
    expect(codes(answer)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(answer.errors?.[0]?.message).toMatch(/not in the persisted-documents manifest/);
  });

  it('refuses to register an ad-hoc query under its own hash', async () => {
    const query = '{ __typename }';
    expect(codes(await send(url, { query, hash: sha256(query) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
    expect(codes(await send(url, { hash: sha256(query) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('runs a manifest operation sent by hash only', async () => {
    expect(productDetailHash).toBeDefined();
    const answer = await send(url, {
      hash: productDetailHash,
      variables: { id: randomUUID() },
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ product: null });
  });

  it('runs a manifest operation sent as text, however the client formatted it', async () => {
    const exact = await send(url, {
      query: manifest[productDetailHash]!,
      variables: { id: randomUUID() },
    });
    expect(exact.errors).toBeUndefined();
    const generated = await send(url, {
      query: print(ProductDetailDocument),
      variables: { id: randomUUID() },
    });
    expect(generated.errors).toBeUndefined();
    expect(generated.data).toEqual({ product: null });
  });

  it('over WebSocket, refuses a subscription outside the manifest and serves the manifest ones', async () => {
    const { token } = await signUpCustomer('Trusted Subscriber');
    const wsUrl = url.replace(/^http/, 'ws');

    const adHoc = subscribe(
      'subscription { myOrderUpdates { id version } }',
      {},
      { token, url: wsUrl },
    );
    await expect(adHoc.next()).rejects.toThrow(/PERSISTED_QUERY_NOT_FOUND/);
    await adHoc.close();

    // The manifest's OrderUpdates, exactly and as the generated client prints it:
    // it passes the check and is answered (an unknown order: BAD_USER_INPUT).
    const orderUpdates = Object.values(manifest).find((text) =>
      text.startsWith('subscription OrderUpdates('),
    )!;
    for (const text of [orderUpdates, print(OrderUpdatesDocument)]) {
      const known = subscribe(text, { orderId: randomUUID() }, { token, url: wsUrl });
      const result = await known.next();
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      await known.close();
    }
  });
});
