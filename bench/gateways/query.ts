/**
 * The one operation of The Guild's benchmark (its k6 script): every user with
 * their reviews' products, those products' reviews, their authors and the
 * authors' reviews and products, plus the top products with the same nesting.
 * It fans out over all four subgraphs several times, with @requires
 * (shippingEstimate) and @provides (author.username) on the way.
 */
export const GUILD_QUERY = /* GraphQL */ `
  fragment User on User {
    id
    username
    name
  }

  fragment Review on Review {
    id
    body
  }

  fragment Product on Product {
    inStock
    name
    price
    shippingEstimate
    upc
    weight
  }

  query TestQuery {
    users {
      ...User
      reviews {
        ...Review
        product {
          ...Product
          reviews {
            ...Review
            author {
              ...User
              reviews {
                ...Review
                product {
                  ...Product
                }
              }
            }
          }
        }
      }
    }
    topProducts {
      ...Product
      reviews {
        ...Review
        author {
          ...User
          reviews {
            ...Review
            product {
              ...Product
            }
          }
        }
      }
    }
  }
`;

/** The request body every client sends (no variables, as in the k6 script). */
export const GUILD_BODY = JSON.stringify({ query: GUILD_QUERY });

interface Answer {
  data?: { users?: unknown[]; topProducts?: unknown[] } | null;
  errors?: unknown;
}

/**
 * What the reference answer must look like before other gateways are compared
 * to it, so a broken subgraph cannot become the reference: no errors, the six
 * users and the five top products.
 */
export function checkReference(answer: Answer): void {
  if (answer.errors)
    throw new Error(`reference answer has errors: ${JSON.stringify(answer.errors)}`);
  if (answer.data?.users?.length !== 6 || answer.data.topProducts?.length !== 5) {
    throw new Error(
      `reference answer is not the expected shape: ${JSON.stringify(answer).slice(0, 500)}`,
    );
  }
}
