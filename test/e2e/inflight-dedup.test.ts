import { describe, expect, it } from 'vitest';
import { CatalogDocument, MeDocument } from '../../client/__generated__/graphql.js';
import { gatewayUrl, gql } from '../support/client.js';
import { signUpCustomer, unique } from '../support/fixtures.js';
import { metricSum, metricsOf } from '../support/metrics.js';

const sharedSoFar = async () =>
  metricSum(await metricsOf(gatewayUrl()), 'gateway_inflight_shared_total');

describe('in-flight deduplication at the gateway', () => {
  it('answers a burst of identical catalogue reads with the same data, sharing executions', async () => {
    const before = await sharedSoFar();
    // A search nobody else runs: every request in the burst is identical, and only these.
    const variables = { first: 5, search: unique('no-such-product') };
    const burst = await Promise.all(
      Array.from({ length: 40 }, () => gql(CatalogDocument, variables)),
    );
    for (const { data, errors } of burst) {
      expect(errors).toBeUndefined();
      expect(data).toEqual(burst[0]!.data);
    }
    expect(burst[0]!.data?.products.totalCount).toBe(0);
    expect(await sharedSoFar()).toBeGreaterThan(before);
  });

  it('never gives one customer the result computed for another', async () => {
    const [ann, ben] = await Promise.all([signUpCustomer('Ann'), signUpCustomer('Ben')]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const who = i % 2 ? ann : ben;
        return gql(MeDocument, {}, { token: who.token }).then((r) => ({ who, me: r.data?.me }));
      }),
    );
    for (const { who, me } of answers) expect(me?.email).toBe(who.email);
  });
});
