import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';

/**
 * One of the four subgraphs of The Guild's federation benchmark
 * (graphql-hive/graphql-gateways-benchmark), written again from its schema
 * and data: an SDL and in-memory resolvers, nothing else.
 */
export interface BenchSubgraph {
  name: 'accounts' | 'inventory' | 'products' | 'reviews';
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

/** Ports in the order of SUBGRAPH_NAMES, from a base port: accounts, inventory, products, reviews. */
export const SUBGRAPH_NAMES = ['accounts', 'inventory', 'products', 'reviews'] as const;

export function subgraphUrls(
  host: string,
  basePort: number,
): Record<BenchSubgraph['name'], string> {
  return Object.fromEntries(
    SUBGRAPH_NAMES.map((name, i) => [name, `http://${host}:${basePort + i}/graphql`]),
  ) as Record<BenchSubgraph['name'], string>;
}
