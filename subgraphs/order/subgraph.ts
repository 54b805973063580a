import type { SubgraphModule } from '../../platform/subgraph.js';
import { createConsumer, createOutboxRelay } from '../../platform/events/index.js';
import type { OrderContext } from './context.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';
import { catalogHandlers } from './services/catalog-projection.js';
import { OrderCommandService } from './services/order-commands.js';
import { createExpiryTask } from './services/order-expiry.js';
import { OrderQueryService } from './services/order-queries.js';
import { PlaceOrderService } from './services/place-order.js';
import { sagaHandlers } from './services/saga-handlers.js';

/** Orders: placement, the lifecycle state machine, and the catalogue price projection. */
export const orderSubgraph: SubgraphModule<OrderContext> = {
  name: 'order',
  schema: new URL('./schema.graphql', import.meta.url),
  entities,
  migrations,
  async setup(runtime) {
    const placing = new PlaceOrderService({ orderTtlMs: runtime.config.ORDER_TTL });
    const commands = new OrderCommandService();
    const queries = new OrderQueryService();
    return {
      resolvers,
      context: (base) => ({ ...base, placing, commands, queries, loaders: createLoaders(base.em) }),
      background: [
        createOutboxRelay(runtime),
        createConsumer(runtime, {
          handlers: { ...catalogHandlers, ...sagaHandlers(runtime.logger) },
          // Each handler locks one order (or product) row: chunks seldom meet.
          eventsPerTransaction: 16,
        }),
        createExpiryTask(runtime),
      ],
    };
  },
};
