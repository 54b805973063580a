import { runSubgraph } from '../../platform/subgraph.js';
import { productSubgraph } from './subgraph.js';

runSubgraph(productSubgraph);
