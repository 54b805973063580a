import { runSubgraph } from '../../platform/subgraph.js';
import { orderSubgraph } from './subgraph.js';

runSubgraph(orderSubgraph);
