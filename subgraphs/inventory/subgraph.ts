import type { SubgraphModule } from '../../platform/subgraph.js';
import { createConsumer, createOutboxRelay } from '../../platform/events/index.js';
import type { InventoryContext } from './context.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { StockAdjustmentService } from './services/adjustments.js';
import { catalogHandlers } from './services/catalog.js';
import { orderSaga } from './services/order-saga.js';
import { lockStockForEvents } from './services/stock-locks.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';

/** Stock: what is on hand and what open orders hold, per product. */
export const inventorySubgraph: SubgraphModule<InventoryContext> = {
  name: 'inventory',
  schema: new URL('./schema.graphql', import.meta.url),
  entities,
  migrations,
  async setup(runtime) {
    const adjustments = new StockAdjustmentService();
    return {
      resolvers,
      context: (base) => ({ ...base, adjustments, loaders: createLoaders(base.em) }),
      background: [
        createOutboxRelay(runtime),
        createConsumer(runtime, {
          handlers: { ...catalogHandlers, ...orderSaga.handlers },
          // Chunks as the order and payment services take them (decision 26);
          // the locker takes a chunk's stock rows at once, in one order, so
          // two chunks over the same products cannot deadlock.
          eventsPerTransaction: 16,
          chunkHandlers: orderSaga.chunkHandlers,
          lockChunk: lockStockForEvents,
        }),
      ],
    };
  },
};
