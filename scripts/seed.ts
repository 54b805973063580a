import { fileURLToPath } from 'node:url';
import { loadSubgraphConfig } from '../platform/config.js';
import { runMain } from '../platform/lifecycle.js';
import { StartupError } from '../platform/startup-error.js';

/**
 * The start-up demo data: signs in through the gateway as the configured
 * admin (ADMIN_EMAIL / ADMIN_PASSWORD, the same defaults the user service
 * uses to create that account) and, only when the catalogue is empty, adds a
 * small demo catalogue and gives every product stock. Everything goes through
 * the public API, so the demo data passes the same rules as anyone's.
 *
 * Idempotent: a catalogue with any active product is left alone. A demo SKU
 * that already exists (an archived demo product) is skipped, not an error.
 * Without the inventory subgraph (no `adjustStock` in the supergraph) the
 * products are created without stock and a warning says so.
 *
 *   npm start                       calls seed() once the stack is ready
 *   tsx scripts/seed.ts [gatewayUrl]  seeds a running stack by hand
 */

export interface DemoProduct {
  sku: string;
  name: string;
  description: string;
  category: string;
  /** EUR cents. */
  price: number;
  stock: number;
}

export const DEMO_CATALOGUE: readonly DemoProduct[] = [
  {
    sku: 'DEMO-COFFEE-ETH',
    name: 'Ethiopia Yirgacheffe, 250 g',
    description: 'Washed single origin with notes of jasmine and lemon. Whole beans.',
    category: 'Coffee',
    price: 1290,
    stock: 120,
  },
  {
    sku: 'DEMO-COFFEE-COL',
    name: 'Colombia Huila, 250 g',
    description: 'Balanced and sweet: caramel, red apple, milk chocolate. Whole beans.',
    category: 'Coffee',
    price: 1150,
    stock: 150,
  },
  {
    sku: 'DEMO-COFFEE-ESP',
    name: 'House Espresso Blend, 1 kg',
    description: 'Brazil and Guatemala, roasted for espresso and milk drinks.',
    category: 'Coffee',
    price: 3490,
    stock: 60,
  },
  {
    sku: 'DEMO-COFFEE-DEC',
    name: 'Swiss Water Decaf, 250 g',
    description: 'Decaffeinated without solvents; cocoa and hazelnut.',
    category: 'Coffee',
    price: 1390,
    stock: 40,
  },
  {
    sku: 'DEMO-BREW-V60',
    name: 'Pour-over Dripper, ceramic',
    description: 'Size 02 cone dripper for one to four cups.',
    category: 'Brewing',
    price: 2400,
    stock: 35,
  },
  {
    sku: 'DEMO-BREW-KETTLE',
    name: 'Gooseneck Kettle, 1 l',
    description: 'Stainless steel with a thermometer, for a steady pour.',
    category: 'Brewing',
    price: 4900,
    stock: 20,
  },
  {
    sku: 'DEMO-BREW-GRINDER',
    name: 'Hand Grinder, steel burrs',
    description: 'Forty click settings from espresso to cold brew.',
    category: 'Brewing',
    price: 8900,
    stock: 15,
  },
  {
    sku: 'DEMO-BREW-PRESS',
    name: 'French Press, 8 cups',
    description: 'Borosilicate glass and a four-layer steel filter.',
    category: 'Brewing',
    price: 3200,
    stock: 25,
  },
  {
    sku: 'DEMO-ACC-FILTERS',
    name: 'Paper Filters, 100 pack',
    description: 'Unbleached filters for size 02 drippers.',
    category: 'Accessories',
    price: 690,
    stock: 300,
  },
  {
    sku: 'DEMO-ACC-SCALE',
    name: 'Brewing Scale with Timer',
    description: 'Weighs to 0.1 g; rechargeable.',
    category: 'Accessories',
    price: 3900,
    stock: 30,
  },
  {
    sku: 'DEMO-ACC-MUG',
    name: 'Stoneware Mug, 300 ml',
    description: 'Hand-glazed; dishwasher safe.',
    category: 'Accessories',
    price: 1800,
    stock: 80,
  },
];

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

interface UserError {
  code: string;
  field: string[] | null;
  message: string;
}

type Request = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

/** Raised for GraphQL errors; carries them so callers can tell a missing field from a failure. */
class GraphQLRequestError extends Error {
  constructor(readonly errors: GraphQLError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/** The operation names a field the running supergraph lacks (its subgraph is not part of it). */
const isMissingFromSupergraph = (err: unknown) =>
  err instanceof GraphQLRequestError &&
  err.errors.some((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED');

const RETRIES = 5;
const RETRY_DELAY_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function client(gatewayUrl: string, token?: string): Request {
  return async <T>(query: string, variables: Record<string, unknown> = {}) => {
    for (let attempt = 1; ; attempt++) {
      let body: { data?: T | null; errors?: GraphQLError[] };
      try {
        const res = await fetch(gatewayUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ query, variables }),
        });
        body = (await res.json()) as typeof body;
      } catch (err) {
        // A stack that has only just become ready may still drop a first connection.
        if (attempt < RETRIES) {
          await sleep(RETRY_DELAY_MS * attempt);
          continue;
        }
        throw new Error(`gateway at ${gatewayUrl} is unreachable: ${(err as Error).message}`);
      }
      const unavailable = body.errors?.some((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE');
      if (unavailable && attempt < RETRIES) {
        await sleep(RETRY_DELAY_MS * attempt);
        continue;
      }
      if (body.errors?.length) throw new GraphQLRequestError(body.errors);
      if (!body.data) throw new Error('the gateway answered without data');
      return body.data;
    }
  };
}

const LOG_IN = `
  mutation SeedLogIn($input: LogInInput!) {
    logIn(input: $input) { accessToken userErrors { code field message } }
  }`;

const CATALOGUE_SIZE = `query SeedCatalogueSize { products(first: 1) { totalCount } }`;

const CREATE_PRODUCT = `
  mutation SeedCreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) { product { id } userErrors { code field message } }
  }`;

const ADJUST_STOCK = `
  mutation SeedAdjustStock($input: AdjustStockInput!) {
    adjustStock(input: $input) { product { id } userErrors { code field message } }
  }`;

async function logIn(gatewayUrl: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { ADMIN_EMAIL, ADMIN_PASSWORD } = loadSubgraphConfig('user', env);
  const data = await client(gatewayUrl)<{
    logIn: { accessToken: string | null; userErrors: UserError[] };
  }>(LOG_IN, { input: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  if (!data.logIn.accessToken) {
    throw new Error(
      `could not sign in as the admin ${ADMIN_EMAIL}: ${data.logIn.userErrors.map((e) => e.message).join('; ')}`,
    );
  }
  return data.logIn.accessToken;
}

/** The product's id, or null when its SKU is taken already (a demo product archived earlier). */
async function createDemoProduct(request: Request, demo: DemoProduct): Promise<string | null> {
  const { createProduct } = await request<{
    createProduct: { product: { id: string } | null; userErrors: UserError[] };
  }>(CREATE_PRODUCT, {
    input: {
      sku: demo.sku,
      name: demo.name,
      description: demo.description,
      category: demo.category,
      price: { amount: demo.price, currency: 'EUR' },
    },
  });
  if (createProduct.product) return createProduct.product.id;
  if (createProduct.userErrors.every((e) => e.code === 'DUPLICATE_SKU')) return null;
  throw new Error(
    `createProduct ${demo.sku} was refused: ${createProduct.userErrors.map((e) => e.message).join('; ')}`,
  );
}

/**
 * Stock for a new product. Inventory learns about products from their events,
 * so it may not know one created a moment ago: NOT_FOUND is retried for a while.
 * Returns false when the supergraph has no `adjustStock` at all.
 */
async function stockDemoProduct(request: Request, productId: string, units: number) {
  for (let attempt = 1; ; attempt++) {
    let result: { adjustStock: { userErrors: UserError[] } };
    try {
      result = await request(ADJUST_STOCK, { input: { productId, delta: units } });
    } catch (err) {
      if (isMissingFromSupergraph(err)) return false;
      throw err;
    }
    const errors = result.adjustStock.userErrors;
    if (errors.length === 0) return true;
    if (errors.some((e) => e.code === 'NOT_FOUND') && attempt < RETRIES * 2) {
      await sleep(RETRY_DELAY_MS);
      continue;
    }
    throw new Error(`adjustStock was refused: ${errors.map((e) => e.message).join('; ')}`);
  }
}

export async function seed(gatewayUrl: string, env: NodeJS.ProcessEnv): Promise<void> {
  const say = (line: string) => console.log(`[seed] ${line}`);
  const token = await logIn(gatewayUrl, env);
  const request = client(gatewayUrl, token);

  let products: { totalCount: number };
  try {
    ({ products } = await request<{ products: { totalCount: number } }>(CATALOGUE_SIZE));
  } catch (err) {
    if (isMissingFromSupergraph(err)) {
      console.warn('[seed] warning: the supergraph has no catalogue (product); nothing seeded');
      return;
    }
    throw err;
  }
  if (products.totalCount > 0) {
    say(`the catalogue has ${products.totalCount} product(s); leaving it as it is`);
    return;
  }

  let created = 0;
  let stocked = 0;
  let inventoryMissing = false;
  for (const demo of DEMO_CATALOGUE) {
    const id = await createDemoProduct(request, demo);
    if (!id) continue;
    created += 1;
    if (inventoryMissing) continue;
    if (await stockDemoProduct(request, id, demo.stock)) stocked += 1;
    else inventoryMissing = true;
  }
  const categories = new Set(DEMO_CATALOGUE.map((d) => d.category)).size;
  say(`created ${created} demo product(s) in ${categories} categories; ${stocked} with stock`);
  if (inventoryMissing) {
    console.warn('[seed] warning: the supergraph has no adjustStock (inventory); no stock was set');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runMain(async () => {
    const url = process.argv[2] ?? process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql';
    try {
      await seed(url, process.env);
    } catch (err) {
      throw new StartupError(`seeding failed: ${(err as Error).message}`);
    }
  });
}
