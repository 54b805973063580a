import { createConsumer, createOutboxRelay } from '../../platform/events/index.js';
import type { SubgraphModule } from '../../platform/subgraph.js';
import type { ProductContext } from './context.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { CatalogCache } from './services/catalog-cache.js';
import { CatalogReads } from './services/catalog-reads.js';
import { CatalogAdmin } from './services/catalog-admin.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';

/** The catalogue: products, prices, categories; cached in Redis for every replica. */
export const productSubgraph: SubgraphModule<ProductContext> = {
  name: 'product',
  schema: new URL('./schema.graphql', import.meta.url),
  entities,
  migrations,
  usesRedis: true,
  async setup(runtime) {
    const cache = new CatalogCache(
      runtime.redis,
      runtime.config.CATALOG_CACHE_TTL,
      runtime.logger.child({ component: 'catalog-cache' }),
    );
    runtime.lifecycle.onShutdown('catalog-cache', async () => cache.stop());
    // The mutating replica invalidates right after its commit. This consumer is
    // the backstop for a change whose replica died before it could (the event
    // was committed with the change, so it always arrives): any one replica
    // handling it is enough, since all of them read the same Redis.
    const invalidateOnEvent = async (event: { aggregateId: string }) => {
      await cache.invalidate([event.aggregateId]);
    };
    const cacheInvalidator = createConsumer(runtime, {
      groupSuffix: '-catalog-cache',
      handlers: {
        'product.created': invalidateOnEvent,
        'product.updated': invalidateOnEvent,
        'product.archived': invalidateOnEvent,
      },
    });
    const catalog = new CatalogReads(cache);
    const admin = new CatalogAdmin(cache);
    return {
      resolvers,
      context: (base) => ({ ...base, catalog, admin, loaders: createLoaders(base.em, catalog) }),
      background: [createOutboxRelay(runtime), cacheInvalidator],
    };
  },
};
