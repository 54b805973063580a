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
import { OrderAdmission } from './services/admission/order-admission.js';
import { observingDelay, SagaDelay } from './services/admission/saga-delay.js';

/** Orders: placement, the lifecycle state machine, and the catalogue price projection. */
export const orderSubgraph: SubgraphModule<OrderContext> = {
  name: 'order',
  schema: new URL('./schema.graphql', import.meta.url),
  entities,
  migrations,
  async setup(runtime) {
    const { config } = runtime;
    // The saga's own progress decides whether new orders are taken (decision 14).
    const sagaDelay = new SagaDelay();
    const admission = new OrderAdmission(
      {
        shedAboveMs: config.ORDER_ADMISSION_SHED_DELAY,
        resumeBelowMs: config.ORDER_ADMISSION_RESUME_DELAY,
        maxInFlight: config.ORDER_ADMISSION_MAX_IN_FLIGHT,
        maxQueueWaitMs: config.ORDER_ADMISSION_MAX_QUEUE_WAIT,
        concurrency: config.ORDER_PLACE_CONCURRENCY,
      },
      sagaDelay,
      runtime.logger.child({ component: 'order-admission' }),
    );
    const placing = new PlaceOrderService({ orderTtlMs: config.ORDER_TTL, admission });
    const commands = new OrderCommandService();
    const queries = new OrderQueryService();
    const saga = observingDelay(sagaHandlers(runtime.logger), sagaDelay);
    const consumer = createConsumer(runtime, {
      // Catalogue events are not timed: a new service reads their whole history.
      handlers: { ...catalogHandlers, ...saga.handlers },
      chunkHandlers: saga.chunkHandlers,
      // Each handler locks one order (or product) row: chunks seldom meet.
      eventsPerTransaction: 16,
    });
    sagaDelay.watchBacklog(() => consumer.lag().some((p) => p.lag > 0));
    return {
      resolvers,
      context: (base) => ({ ...base, placing, commands, queries, loaders: createLoaders(base.em) }),
      background: [createOutboxRelay(runtime), consumer, createExpiryTask(runtime)],
    };
  },
};
