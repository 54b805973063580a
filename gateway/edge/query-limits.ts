import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';

/**
 * Static limits on an operation's shape, checked before the gateway plans it,
 * so one request cannot make the gateway and every subgraph do unbounded work.
 * Introspection fields (`__schema`, `__type`, `__typename`) are not counted:
 * introspection is off in production, and tools need its deep standard query
 * in development.
 */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

/** Marks an error as the edge refusing a query shape; see `edgeFormatError`. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/**
 * What a list argument multiplies its children by when it is a variable (its
 * value is not known at validation time): a typical page, not the maximum, so
 * ordinary paginated screens are not refused.
 */
const DEFAULT_PAGE_ESTIMATE = 20;
const PAGE_ARGUMENTS = new Set(['first', 'last', 'limit']);

interface Shape {
  depth: number;
  aliases: number;
  cost: number;
}

function pageMultiplier(args: readonly { name: { value: string }; value: ValueNode }[]): number {
  for (const arg of args) {
    if (!PAGE_ARGUMENTS.has(arg.name.value)) continue;
    if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
    return DEFAULT_PAGE_ESTIMATE;
  }
  return 1;
}

/** Walks a selection set with fragments expanded; `seen` breaks fragment cycles. */
function measure(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  seen: Set<string>,
): Shape {
  let depth = 0;
  let aliases = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      if (selection.alias) aliases += 1;
      const child = selection.selectionSet
        ? measure(selection.selectionSet, fragments, seen)
        : { depth: 0, aliases: 0, cost: 0 };
      depth = Math.max(depth, child.depth + 1);
      aliases += child.aliases;
      cost += 1 + pageMultiplier(selection.arguments ?? []) * child.cost;
      continue;
    }
    let inner: SelectionSetNode | undefined;
    let name: string | undefined;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = selection.selectionSet;
    } else {
      name = selection.name.value;
      if (seen.has(name)) continue;
      inner = fragments.get(name)?.selectionSet;
    }
    if (!inner) continue;
    if (name) seen.add(name);
    const child = measure(inner, fragments, seen);
    if (name) seen.delete(name);
    depth = Math.max(depth, child.depth);
    aliases += child.aliases;
    cost += child.cost;
  }
  return { depth, aliases, cost };
}

/** Depth, aliases and cost of each operation in a document. */
export function measureOperations(definitions: DocumentNode): Map<string, Shape> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of definitions.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const shapes = new Map<string, Shape>();
  for (const def of definitions.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    shapes.set(def.name?.value ?? '(anonymous)', measure(def.selectionSet, fragments, new Set()));
  }
  return shapes;
}

function tooComplex(message: string, limit: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX, limit } });
}

/** A graphql-js validation rule reporting the first limit each operation exceeds. */
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    Document: {
      leave(document) {
        for (const [name, shape] of measureOperations(document)) {
          if (shape.depth > limits.maxDepth) {
            context.reportError(
              tooComplex(
                `Operation ${name} is nested ${shape.depth} levels deep; the maximum depth is ${limits.maxDepth}`,
                'depth',
              ),
            );
          } else if (shape.aliases > limits.maxAliases) {
            context.reportError(
              tooComplex(
                `Operation ${name} uses ${shape.aliases} aliases; the maximum is ${limits.maxAliases}`,
                'aliases',
              ),
            );
          } else if (shape.cost > limits.maxCost) {
            context.reportError(
              tooComplex(
                `Operation ${name} has an estimated cost of ${shape.cost}; the maximum cost is ${limits.maxCost}`,
                'cost',
              ),
            );
          }
        }
      },
    },
  });
}
