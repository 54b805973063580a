import { runSubgraph } from '../../platform/subgraph.js';
import { inventorySubgraph } from './subgraph.js';

runSubgraph(inventorySubgraph);
