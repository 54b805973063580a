import type { RequestContext } from '../../platform/subgraph.js';
import type { OrderLoaders } from './loaders.js';
import type { OrderCommandService } from './services/order-commands.js';
import type { OrderQueryService } from './services/order-queries.js';
import type { PlaceOrderService } from './services/place-order.js';

export interface OrderContext extends RequestContext {
  placing: PlaceOrderService;
  commands: OrderCommandService;
  queries: OrderQueryService;
  loaders: OrderLoaders;
}
