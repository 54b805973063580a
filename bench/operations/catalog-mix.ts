import { CatalogDocument, type CatalogQueryVariables } from '../../client/__generated__/graphql.js';
import { gql } from '../../test/support/client.js';
import { CATEGORIES, productName } from './seed.js';

/**
 * What a storefront's visitors ask of the catalogue, as distinct Catalog
 * requests: every page of the whole catalogue at the web's page size (20) and
 * the mobile app's (10), following cursors as the clients do; the first page
 * of each category; searches by part of a name and by a whole name.
 *
 * One page read over and over measures in-flight deduplication, not the cache:
 * identical requests in flight share one execution (decision 11), so the
 * product subgraph is barely asked with the cache or without it. Dozens of
 * distinct requests across 50 connections rarely coincide in flight, so each
 * is served by the cache or by PostgreSQL, which is the comparison wanted.
 */
export async function browsingMix(
  gatewayUrl: string,
  products: number,
): Promise<CatalogQueryVariables[]> {
  const mix: CatalogQueryVariables[] = [];
  for (const first of [20, 10]) mix.push(...(await everyPage(gatewayUrl, { first })));
  for (const category of CATEGORIES) mix.push({ category });
  // "Bench product 00" … matches ten products each; a whole name, one.
  for (let tens = 0; tens * 10 < products; tens++)
    mix.push({ search: productName(tens * 10).slice(0, -1) });
  for (let i = 0; i < products; i++) mix.push({ search: productName(i) });
  return mix;
}

async function everyPage(
  gatewayUrl: string,
  variables: CatalogQueryVariables,
): Promise<CatalogQueryVariables[]> {
  const pages: CatalogQueryVariables[] = [variables];
  for (;;) {
    const result = await gql(CatalogDocument, pages.at(-1)!, { url: gatewayUrl });
    const pageInfo = result.data?.products.pageInfo;
    if (!pageInfo) throw new Error(`Catalog failed: ${JSON.stringify(result.errors)}`);
    if (!pageInfo.hasNextPage) return pages;
    pages.push({ ...variables, after: pageInfo.endCursor });
  }
}

/** The variables the gateway passes on to the product subgraph for `variables`: the document's defaults filled in. */
export function plannedVariables(variables: CatalogQueryVariables): Record<string, unknown> {
  return {
    first: variables.first ?? 20,
    after: variables.after ?? null,
    search: variables.search ?? null,
    category: variables.category ?? null,
  };
}
