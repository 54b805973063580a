import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { BenchSubgraph } from './subgraph.js';

/** Stock per product; price and weight belong to products and arrive through @requires. */
const IN_STOCK = new Map([
  ['1', true],
  ['2', false],
  ['3', false],
  ['4', false],
  ['5', true],
  ['6', true],
  ['7', true],
  ['8', false],
  ['9', true],
]);

interface InventoryProduct {
  upc: string;
  inStock: boolean | null;
  price?: number | null;
  weight?: number | null;
}

const resolvers: GraphQLResolverMap<unknown> = {
  Product: {
    // As in the Guild's subgraph, the entity is answered from inventory's own
    // table, which has no price or weight: the @required fields the gateway
    // sends are fetched and sent (that work is measured) but not used, so
    // shippingEstimate is null in every answer, as their k6 check expects.
    __resolveReference: ({ upc }: { upc: string }): InventoryProduct | null =>
      IN_STOCK.has(upc) ? { upc, inStock: IN_STOCK.get(upc) ?? null } : null,
    shippingEstimate: ({ price, weight }: InventoryProduct) => {
      if (price == null) return null;
      if (price > 1000) return 0;
      return weight == null ? null : Math.trunc(weight / 2);
    },
  },
};

export const inventory: BenchSubgraph = {
  name: 'inventory',
  typeDefs: /* GraphQL */ `
    extend schema
      @link(
        url: "https://specs.apollo.dev/federation/v2.3"
        import: ["@key", "@external", "@requires"]
      )

    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }
  `,
  resolvers,
};
