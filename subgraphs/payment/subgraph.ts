import type { SubgraphModule } from '../../platform/subgraph.js';
import { createConsumer, createOutboxRelay } from '../../platform/events/index.js';
import type { PaymentContext } from './context.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { PaymentService } from './services/payments.js';
import type { PaymentProcessor } from './services/processor.js';
import { SimulatedProcessor } from './services/simulated-processor.js';
import { orderSagaHandlers } from './services/order-saga.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';

/**
 * Payments: charging and refunding orders through the processor adapter.
 * The simulated processor is the one that ships; a real one is passed here.
 */
export function createPaymentSubgraph(
  processor: PaymentProcessor = new SimulatedProcessor(),
): SubgraphModule<PaymentContext> {
  return {
    name: 'payment',
    schema: new URL('./schema.graphql', import.meta.url),
    entities,
    migrations,
    async setup(runtime) {
      const payments = new PaymentService(processor);
      return {
        resolvers,
        context: (base) => ({ ...base, loaders: createLoaders(base.em) }),
        background: [
          createOutboxRelay(runtime),
          createConsumer(runtime, {
            ...orderSagaHandlers(payments),
            // One payment row per order; processor calls are idempotent by key.
            eventsPerTransaction: 16,
          }),
        ],
      };
    },
  };
}

export const paymentSubgraph = createPaymentSubgraph();
