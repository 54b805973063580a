import { runSubgraph } from '../../platform/subgraph.js';
import { userSubgraph } from './subgraph.js';

runSubgraph(userSubgraph);
