import type { DefinitionNode, DocumentNode } from 'graphql';

/**
 * `@apollo/gateway`'s executeQueryPlan converts the operation into
 * federation's own form (`operationFromDocument`, `validate: false`) on every
 * request, to shape the response. That form depends only on the API schema
 * and the operation's AST, and Apollo Server hands every request with the
 * same text the same parsed document from its cache, so the conversion is
 * kept per schema and operation node (WeakMaps: it goes when they do). About
 * 4 % of the gateway's CPU on short queries (decision 17), more on deep ones.
 *
 * Only that call is kept: with validation on (the planner's, on a plan cache
 * miss) or an operation name to choose by, the original runs as it is. The
 * gateway reads the converted operation and never changes it.
 */

type OperationFromDocument = (
  schema: object,
  document: DocumentNode,
  options?: { operationName?: string; validate?: boolean },
) => unknown;

export function memoiseOperationConversion(original: OperationFromDocument): OperationFromDocument {
  const bySchema = new WeakMap<object, WeakMap<DefinitionNode, unknown>>();
  return (schema, document, options) => {
    // executeQueryPlan's call: the operation first, then its fragments, all from one parsed document.
    const operation = document.definitions[0];
    if (options?.validate !== false || options.operationName !== undefined || !operation) {
      return original(schema, document, options);
    }
    let converted = bySchema.get(schema);
    if (!converted) bySchema.set(schema, (converted = new WeakMap()));
    let result = converted.get(operation);
    if (result === undefined) {
      result = original(schema, document, options);
      converted.set(operation, result);
    }
    return result;
  };
}
