import { accounts } from './accounts.js';
import { inventory } from './inventory.js';
import { products } from './products.js';
import { reviews } from './reviews.js';
import { SUBGRAPH_NAMES, type BenchSubgraph } from './subgraph.js';

/** The four subgraphs, in SUBGRAPH_NAMES order (which fixes their ports). */
export const SUBGRAPHS: readonly BenchSubgraph[] = [accounts, inventory, products, reviews];

if (SUBGRAPHS.some((s, i) => s.name !== SUBGRAPH_NAMES[i])) {
  throw new Error('SUBGRAPHS must follow SUBGRAPH_NAMES order');
}
