/**
 * The catalogue's generation counter in Redis: the product subgraph raises it
 * right after every catalogue change commits, before the change's mutation
 * answers (subgraphs/product/services/catalog-cache.ts). Whatever was read
 * from the catalogue under one value may be stale under the next, so caches
 * of catalogue reads tag entries with the value they were read under and count
 * them only while it is current: the product subgraph's pages in Redis, and
 * the gateway's copies of product answers (gateway/catalog-fetch-cache.ts).
 * Keys travel through each service's REDIS_KEY_PREFIX, the same for a stack.
 */
export const CATALOG_CACHE_NAMESPACE = 'catalog:v1:';
export const CATALOG_GENERATION_KEY = `${CATALOG_CACHE_NAMESPACE}gen`;
