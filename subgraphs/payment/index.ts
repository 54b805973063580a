import { runSubgraph } from '../../platform/subgraph.js';
import { paymentSubgraph } from './subgraph.js';

runSubgraph(paymentSubgraph);
