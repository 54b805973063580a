import { createRequire } from 'node:module';
import { memoiseOperationConversion } from './operation-memo.js';

/**
 * Imported first by the gateway's entry point, before anything loads
 * `@apollo/gateway` (decision 20).
 *
 * `@apollo/federation-internals` is CommonJS compiled by TypeScript: its
 * index re-exports ~300 names as accessor properties (`get: () => m[k]`),
 * and `@apollo/gateway` reads them on its hottest paths (result shaping, plan
 * execution) through that index. On The Guild's benchmark those getter calls
 * were 5 % of the gateway's CPU. This replaces the cached index module with a
 * plain object holding the same values, read once after the package has
 * loaded (it assigns no export later), so every `require` of it that follows
 * gets data properties instead.
 */
function flatten(): void {
  const require = createRequire(import.meta.url);
  const id = require.resolve('@apollo/federation-internals');
  const facade = require(id) as Record<string, unknown>;
  const cached = require.cache[id];
  if (!cached) return;
  const flat: Record<string, unknown> = { ...facade };
  if (typeof facade.operationFromDocument === 'function') {
    flat.operationFromDocument = memoiseOperationConversion(
      facade.operationFromDocument as Parameters<typeof memoiseOperationConversion>[0],
    );
  }
  cached.exports = Object.defineProperty(flat, '__esModule', { value: true });
}

try {
  flatten();
} catch {
  // A later release that cannot be required (ESM only): nothing to flatten, run as it is.
}
