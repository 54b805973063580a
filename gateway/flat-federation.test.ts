import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const id = require.resolve('@apollo/federation-internals');

describe('the federation internals the gateway loads', () => {
  it('are the same values as plain data properties, not re-export getters', async () => {
    const facade = require(id) as Record<string, unknown>;
    const accessors = (exports: Record<string, unknown>) =>
      Object.keys(exports).filter((k) => Object.getOwnPropertyDescriptor(exports, k)?.get);
    // The package's own index: if it ever stops using getters, this module is no longer needed.
    expect(accessors(facade).length).toBeGreaterThan(100);
    const names = Object.keys(facade);

    await import('./flat-federation.js');

    const flat = require(id) as Record<string, unknown>;
    expect(flat).not.toBe(facade);
    expect(accessors(flat)).toEqual([]);
    expect(Object.keys(flat)).toEqual(names);
    for (const name of names) expect(flat[name]).toBe(facade[name]);
    // Interop for ESM importers and TypeScript's CommonJS output alike.
    expect((flat as { __esModule?: boolean }).__esModule).toBe(true);
    // What @apollo/gateway requires resolves to the same cache entry.
    const gatewayRequire = createRequire(require.resolve('@apollo/gateway'));
    expect(gatewayRequire('@apollo/federation-internals')).toBe(flat);
  });
});
