import type DataLoader from 'dataloader';
import type { RequestContext } from '../../platform/subgraph.js';
import type { Payment } from './entities.js';

export interface PaymentContext extends RequestContext {
  loaders: {
    paymentById: DataLoader<string, Payment | null>;
    paymentByOrderId: DataLoader<string, Payment | null>;
  };
}
