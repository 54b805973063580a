/**
 * Hive Gateway with no deduplication at all, for the pure-execution goal: its
 * defaults leave inbound deduplication off but merge identical in-flight
 * subgraph requests (deduplicateInflightRequests of its HTTP executor); this
 * turns that off too, as neither Apollo gateway deduplicates. A plain object
 * (defineConfig only returns its argument), so the root type-check needs
 * nothing of this package.
 */
export const gatewayConfig = {
  transportEntries: {
    '*': { options: { deduplicateInflightRequests: false } },
  },
};
