import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PlaceOrderDocument } from '../../client/__generated__/graphql.js';
import type { StackHandle } from '../../scripts/lib/stack.js';
import { gql } from '../support/client.js';
import { startExtraGateway } from '../support/extra-gateway.js';
import { address, signUpCustomer } from '../support/fixtures.js';

/**
 * More gateways over the test stack's subgraphs, with tight budgets: one with
 * the run's Redis, one whose Redis does not answer, one behind a (loopback)
 * proxy it trusts.
 */
const WINDOW_S = 2;
let limitedStack: StackHandle;
let redisDownStack: StackHandle;
let trustingStack: StackHandle;
let limitedUrl: string;
let redisDownUrl: string;
let trustingUrl: string;

function limitedGateway(port: number, extra: Record<string, string>) {
  return startExtraGateway(port, {
    REDIS_KEY_PREFIX: `${inject('testEnv').REDIS_KEY_PREFIX}rl-${randomUUID().slice(0, 8)}:`,
    RATE_LIMIT_POINTS: '5',
    RATE_LIMIT_PLACE_ORDER_POINTS: '2',
    RATE_LIMIT_WINDOW: `${WINDOW_S}s`,
    ...extra,
  });
}

beforeAll(async () => {
  [limitedStack, redisDownStack, trustingStack] = await Promise.all([
    limitedGateway(4192, {}),
    // Nothing listens there: every limiter call fails.
    limitedGateway(4193, { REDIS_URL: 'redis://127.0.0.1:6399' }),
    limitedGateway(4198, { TRUST_PROXY: 'loopback' }),
  ]);
  limitedUrl = limitedStack.gatewayUrl!;
  redisDownUrl = redisDownStack.gatewayUrl!;
  trustingUrl = trustingStack.gatewayUrl!;
});

afterAll(async () => {
  await Promise.all([limitedStack?.stop(), redisDownStack?.stop(), trustingStack?.stop()]);
});

const ping = (url: string, token?: string) =>
  gql<{ __typename: string }>('{ __typename }', {}, { url, ...(token ? { token } : {}) });

/** An anonymous request that says, through X-Forwarded-For, it comes from `client`. */
const pingFrom = (url: string, client: string) =>
  gql<{ __typename: string }>(
    '{ __typename }',
    {},
    { url, headers: { 'x-forwarded-for': client } },
  );

async function waitForReset(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000 + 200));
}

describe('rate limits at the gateway', () => {
  it('refuses a burst beyond the budget with 429 RATE_LIMITED and a retry-after hint, then resets', async () => {
    await waitForReset();
    const burst = [];
    for (let i = 0; i < 6; i += 1) burst.push(await ping(limitedUrl));
    expect(burst.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const refused = burst[5]!;
    expect(refused.status).toBe(429);
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const retryAfter = refused.errors?.[0]?.extensions?.retryAfter as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 200));
    const after = await ping(limitedUrl);
    expect(after.status).toBe(200);
    expect(after.data?.__typename).toBe('Query');
  });

  it('keys a signed-in caller by user, apart from the anonymous budget of the same address', async () => {
    const customer = await signUpCustomer();
    await waitForReset();
    for (let i = 0; i < 5; i += 1) expect((await ping(limitedUrl)).status).toBe(200);
    expect((await ping(limitedUrl)).status).toBe(429);
    expect((await ping(limitedUrl, customer.token)).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless told to trust the proxy: a client cannot pick a fresh address', async () => {
    await waitForReset();
    for (let i = 0; i < 5; i += 1) {
      expect((await pingFrom(limitedUrl, `198.51.100.${i + 1}`)).status).toBe(200);
    }
    expect((await pingFrom(limitedUrl, '198.51.100.99')).status).toBe(429);
  });

  it('behind a trusted proxy (TRUST_PROXY), gives each forwarded client address its own budget', async () => {
    await waitForReset();
    for (let i = 0; i < 5; i += 1) {
      expect((await pingFrom(trustingUrl, '203.0.113.7')).status).toBe(200);
    }
    expect((await pingFrom(trustingUrl, '203.0.113.7')).status).toBe(429);
    expect((await pingFrom(trustingUrl, '203.0.113.8')).status).toBe(200);
  });

  it('gives placeOrder a smaller budget of its own while other operations still run', async () => {
    const customer = await signUpCustomer();
    await waitForReset();
    const place = () =>
      gql(
        PlaceOrderDocument,
        {
          input: {
            idempotencyKey: randomUUID(),
            // An unknown product: refused as a userError, but it still spends the budget.
            items: [{ productId: randomUUID(), quantity: 1 }],
            shippingAddress: address,
            paymentMethod: 'pm_card_visa',
          },
        },
        { url: limitedUrl, token: customer.token },
      );
    // Together, so all three fall inside one short window.
    const answers = await Promise.all([place(), place(), place()]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    const third = answers.find((r) => r.status === 429)!;
    expect(third.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(third.errors?.[0]?.message).toMatch(/Too many requests; retry in \d s/);
    expect((await ping(limitedUrl, customer.token)).status).toBe(200);
  });

  it('serves every request when Redis does not answer (fail open) and counts it', async () => {
    const answers = [];
    for (let i = 0; i < 8; i += 1) answers.push(await ping(redisDownUrl));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const metrics = await (await fetch(redisDownUrl.replace('/graphql', '/metrics'))).text();
    const line = metrics.split('\n').find((l) => l.startsWith('rate_limiter_unavailable_total'));
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(8);
  });
});
