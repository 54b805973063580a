import type { Identity } from '../../platform/identity.js';
import type { Replica } from '../../test/support/subgraph-harness.js';

/**
 * Product fixtures for the service-level tests, which start the product
 * subgraph on the shared harness (test/support/subgraph-harness.ts).
 */

export const ADMIN: Identity = { userId: '00000000-0000-7000-8000-00000000000a', roles: ['ADMIN'] };
export const CUSTOMER: Identity = {
  userId: '00000000-0000-7000-8000-00000000000c',
  roles: ['CUSTOMER'],
};

export const PRODUCT_FIELDS = `
  id sku name description category archived version createdAt updatedAt
  price { amount currency }
`;

export const CREATE_PRODUCT = `
  mutation CreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      product { ${PRODUCT_FIELDS} }
      userErrors { code field message }
    }
  }`;

export const UPDATE_PRODUCT = `
  mutation UpdateProduct($input: UpdateProductInput!) {
    updateProduct(input: $input) {
      product { ${PRODUCT_FIELDS} }
      userErrors { code field message }
    }
  }`;

export const ARCHIVE_PRODUCT = `
  mutation ArchiveProduct($id: ID!) {
    archiveProduct(id: $id) {
      product { ${PRODUCT_FIELDS} }
      userErrors { code field message }
    }
  }`;

export const PRODUCT = `
  query Product($id: ID!) { product(id: $id) { ${PRODUCT_FIELDS} } }`;

export const CATALOG = `
  query Catalog($first: Int, $after: String, $search: String, $category: String) {
    products(first: $first, after: $after, filter: { search: $search, category: $category }) {
      totalCount
      edges { cursor node { id sku name category price { amount currency } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export const ENTITIES = `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Product { id name archived price { amount currency } }
    }
  }`;

export interface ProductData {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  archived: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  price: { amount: number; currency: string };
}

export interface UserErrorData {
  code: string;
  field: string[] | null;
  message: string;
}

export interface Payload {
  product: ProductData | null;
  userErrors: UserErrorData[];
}

export interface CatalogPage {
  totalCount: number;
  edges: {
    cursor: string;
    node: Pick<ProductData, 'id' | 'sku' | 'name' | 'category' | 'price'>;
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

let skuCounter = 0;
/** A SKU no other test of the run uses. */
export function uniqueSku(tag = 'SKU'): string {
  skuCounter += 1;
  return `${tag}-${Date.now().toString(36)}-${skuCounter}`;
}

/** Creates a product as the admin and returns it; fails the test on user errors. */
export async function createProduct(
  replica: Replica,
  input: Partial<{
    sku: string;
    name: string;
    description: string | null;
    category: string;
    price: { amount: number; currency: string };
  }> = {},
): Promise<ProductData> {
  const res = await replica.call<{ createProduct: Payload }>(
    CREATE_PRODUCT,
    {
      input: {
        sku: uniqueSku(),
        name: 'Test product',
        category: 'Tests',
        price: { amount: 1000, currency: 'EUR' },
        ...input,
      },
    },
    ADMIN,
  );
  const payload = res.data?.createProduct;
  if (!payload?.product) {
    throw new Error(`createProduct failed: ${JSON.stringify(res.errors ?? payload?.userErrors)}`);
  }
  return payload.product;
}
