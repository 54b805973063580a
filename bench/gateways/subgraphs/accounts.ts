import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { BenchSubgraph } from './subgraph.js';

/** The benchmark's users: who wrote the reviews (every review names user 1). */
const USERS = [
  { id: '1', name: 'Uri Goldshtein', username: 'urigo', birthday: 1234567890 },
  { id: '2', name: 'Dotan Simha', username: 'dotansimha', birthday: 1234567890 },
  { id: '3', name: 'Kamil Kisiela', username: 'kamilkisiela', birthday: 1234567890 },
  { id: '4', name: 'Arda Tanrikulu', username: 'ardatan', birthday: 1234567890 },
  { id: '5', name: 'Gil Gardosh', username: 'gilgardosh', birthday: 1234567890 },
  { id: '6', name: 'Laurin Quast', username: 'laurin', birthday: 1234567890 },
];

const byId = (id: string) => USERS.find((user) => user.id === id) ?? null;

const resolvers: GraphQLResolverMap<unknown> = {
  Query: {
    me: () => USERS[0],
    user: (_: unknown, { id }: { id: string }) => byId(id),
    users: () => USERS,
  },
  User: {
    __resolveReference: ({ id }: { id: string }) => byId(id),
  },
};

export const accounts: BenchSubgraph = {
  name: 'accounts',
  typeDefs: /* GraphQL */ `
    extend schema
      @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

    type Query {
      me: User
      user(id: ID!): User
      users: [User]
    }

    type User @key(fields: "id") {
      id: ID!
      name: String
      # Shareable: reviews provides it on Review.author (@provides).
      username: String @shareable
      birthday: Int
    }
  `,
  resolvers,
};
