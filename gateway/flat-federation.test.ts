import { createRequire } from 'node:module';
import type * as Federation from '@apollo/federation-internals';
import { parse, print } from 'graphql';
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
    for (const name of names.filter((n) => n !== 'operationFromDocument')) {
      expect(flat[name]).toBe(facade[name]);
    }
    // Interop for ESM importers and TypeScript's CommonJS output alike.
    expect((flat as { __esModule?: boolean }).__esModule).toBe(true);
    // What @apollo/gateway requires resolves to the same cache entry.
    const gatewayRequire = createRequire(require.resolve('@apollo/gateway'));
    expect(gatewayRequire('@apollo/federation-internals')).toBe(flat);
  });

  it('converts an operation for execution once per parsed document and schema', async () => {
    await import('./flat-federation.js');
    const internals = require(id) as typeof Federation;
    const schema = internals.buildSchema(`type Query { product(id: ID!): Product }
      type Product { id: ID! name: String }`);
    const document = parse(
      'query P($id: ID!) { product(id: $id) { ...F } } fragment F on Product { id name }',
    );
    const forExecution = { validate: false };
    const first = internals.operationFromDocument(schema, document, forExecution);
    // executeQueryPlan passes a new document of the same nodes each time.
    const again = internals.operationFromDocument(
      schema,
      { ...document, definitions: [...document.definitions] },
      forExecution,
    );
    expect(again).toBe(first);
    expect(first.selectionSet.toString()).toContain('name');
    // Another parse of the same text, or validation asked for: converted anew.
    expect(internals.operationFromDocument(schema, parse(print(document)), forExecution)).not.toBe(
      first,
    );
    expect(internals.operationFromDocument(schema, document)).not.toBe(first);
  });
});
