import { createHash } from 'node:crypto';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  print,
  visit,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLResolveInfo,
  type SelectionNode,
} from 'graphql';
import { identityScope, type Identity } from '../../platform/identity.js';
import { Lru } from '../../platform/lru.js';

/**
 * A subscriber's selection turned into the query the gateway runs for it:
 * `query($subscriptionOrderId: ID!) { order(id: …) { <selection> } }`. The
 * order is then resolved exactly as a client's query would be (query plan,
 * every subgraph, their own authorisation), once per event for everyone who
 * shares the same query, variables and identity.
 */

/** Internal aliases: the stream needs version and status even when the client did not select them. */
export const VERSION_KEY = '_subscriptionVersion';
export const STATUS_KEY = '_subscriptionStatus';
/**
 * And the payment's status when the client selected the payment: a cancelled
 * paid order is refunded just after it is cancelled, without a new order
 * version, and the feed waits for that before sending the final state.
 */
export const PAYMENT_STATUS_KEY = '_subscriptionPaymentStatus';
const ORDER_ID_VARIABLE = 'subscriptionOrderId';

export interface OrderQuery {
  /** The printed query (Apollo caches parsed documents and query plans by it). */
  text: string;
  /** Values of the subscription's variables that the selection uses, coerced. */
  variables: Record<string, unknown>;
  identity: Identity;
  /** Same key, same result: query text, variables and identity (user and roles). */
  shareKey: string;
}

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;

function aliased(alias: string, field: string): FieldNode {
  return { kind: Kind.FIELD, alias: name(alias), name: name(field) };
}

/** Fragments the selection spreads, directly or through other fragments. */
function usedFragments(
  roots: readonly SelectionNode[],
  fragments: Record<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: ASTNode[] = [...roots];
  while (pending.length) {
    visit(pending.pop()!, {
      FragmentSpread(node) {
        const fragment = fragments[node.name.value];
        if (fragment && !found.has(fragment.name.value)) {
          found.set(fragment.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...found.values()];
}

/** Whether the order-level selection asks for `payment` (directly, in fragments or inline fragments). */
function selectsPayment(
  selections: readonly SelectionNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): boolean {
  return selections.some((selection) => {
    switch (selection.kind) {
      case Kind.FIELD:
        return selection.name.value === 'payment';
      case Kind.INLINE_FRAGMENT:
        return selectsPayment(selection.selectionSet.selections, fragments, seen);
      case Kind.FRAGMENT_SPREAD: {
        const fragment = fragments[selection.name.value];
        if (!fragment || seen.has(fragment.name.value)) return false;
        seen.add(fragment.name.value);
        return selectsPayment(fragment.selectionSet.selections, fragments, seen);
      }
    }
  });
}

function usedVariables(nodes: readonly ASTNode[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) {
    visit(node, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  }
  return names;
}

/** What a subscription field's query is, whoever subscribes with it. */
interface PreparedQuery {
  text: string;
  /** Short stand-in for the text in share keys. */
  digest: string;
  variableNames: readonly string[];
}

/**
 * Per subscription field node: subscription documents are parsed once per text
 * (the WebSocket server caches them), so every subscriber sending the same
 * document reaches the same node and its query is printed once.
 */
const prepared = new WeakMap<FieldNode, PreparedQuery>();
/** One OrderQuery per share key, so a thousand subscribers of one order hold one. */
const interned = new Lru<string, OrderQuery>(10_000);

function prepare(info: GraphQLResolveInfo): PreparedQuery {
  const single = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : null;
  const known = single && prepared.get(single);
  if (known) return known;
  const selections = info.fieldNodes.flatMap((field) => field.selectionSet?.selections ?? []);
  const fragments = usedFragments(selections, info.fragments);
  const variableNames = usedVariables([...selections, ...fragments]);
  if (variableNames.has(ORDER_ID_VARIABLE)) {
    throw new GraphQLError(`The variable name $${ORDER_ID_VARIABLE} is reserved`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const variableDefinitions = (info.operation.variableDefinitions ?? []).filter((definition) =>
    variableNames.has(definition.variable.name.value),
  );
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        name: name('OrderSubscription'),
        variableDefinitions: [
          {
            kind: Kind.VARIABLE_DEFINITION,
            variable: { kind: Kind.VARIABLE, name: name(ORDER_ID_VARIABLE) },
            type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('ID') } },
          },
          ...variableDefinitions,
        ],
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            {
              kind: Kind.FIELD,
              name: name('order'),
              arguments: [
                {
                  kind: Kind.ARGUMENT,
                  name: name('id'),
                  value: { kind: Kind.VARIABLE, name: name(ORDER_ID_VARIABLE) },
                },
              ],
              selectionSet: {
                kind: Kind.SELECTION_SET,
                selections: [
                  aliased(VERSION_KEY, 'version'),
                  aliased(STATUS_KEY, 'status'),
                  ...(selectsPayment(selections, info.fragments)
                    ? [
                        {
                          ...aliased(PAYMENT_STATUS_KEY, 'payment'),
                          selectionSet: {
                            kind: Kind.SELECTION_SET,
                            selections: [{ kind: Kind.FIELD, name: name('status') }],
                          },
                        } satisfies FieldNode,
                      ]
                    : []),
                  ...selections,
                ],
              },
            },
          ],
        },
      },
      ...fragments,
    ],
  };
  const text = print(document);
  const query: PreparedQuery = {
    text,
    digest: createHash('sha256').update(text).digest('base64url'),
    variableNames: variableDefinitions.map((d) => d.variable.name.value),
  };
  if (single) prepared.set(single, query);
  return query;
}

/** Builds the order query for the subscription field being subscribed to. */
export function orderQueryFor(info: GraphQLResolveInfo, identity: Identity): OrderQuery {
  const { text, digest, variableNames } = prepare(info);
  const variables = Object.fromEntries(
    variableNames.map((variable) => [variable, info.variableValues[variable]]),
  );
  const shareKey = `${identityScope(identity)}\n${JSON.stringify(variables)}\n${digest}`;
  const known = interned.get(shareKey);
  if (known) return known;
  const query: OrderQuery = { text, variables, identity, shareKey };
  interned.set(shareKey, query);
  return query;
}

/** The variables to run the query with for one order. */
export function variablesFor(query: OrderQuery, orderId: string): Record<string, unknown> {
  return { ...query.variables, [ORDER_ID_VARIABLE]: orderId };
}

/** What one resolution of an order query produced, shared by every subscriber of that query. */
export interface Resolution {
  /** The order as the client selected it (internal aliases removed); null when it could not be read. */
  order: Record<string, unknown> | null;
  version: number | null;
  status: string | null;
  /** The payment's status, when the client selected the payment and the order has one. */
  paymentStatus?: string | null;
  /** As the gateway formatted them (masked), paths still starting at `order`. */
  errors: readonly GraphQLFormattedError[];
}

export function toResolution(
  data: Record<string, unknown> | null | undefined,
  errors: readonly GraphQLFormattedError[] | undefined,
): Resolution {
  const raw = data?.order;
  if (!raw || typeof raw !== 'object') {
    return { order: null, version: null, status: null, errors: errors ?? [] };
  }
  const {
    [VERSION_KEY]: version,
    [STATUS_KEY]: status,
    [PAYMENT_STATUS_KEY]: payment,
    ...order
  } = raw as Record<string, unknown>;
  const paymentStatus = (payment as { status?: unknown } | null | undefined)?.status;
  return {
    order,
    version: typeof version === 'number' ? version : null,
    status: typeof status === 'string' ? status : null,
    paymentStatus: typeof paymentStatus === 'string' ? paymentStatus : null,
    // The client's own `payment` carries the same error, if any, under its own path.
    errors: (errors ?? []).filter((error) => error.path?.[1] !== PAYMENT_STATUS_KEY),
  };
}

/** The gateway's formatted errors, re-rooted at the subscription field the client asked for. */
export function errorsFor(
  errors: readonly GraphQLFormattedError[],
  responseKey: string,
): GraphQLError[] {
  return errors.map((error) => {
    const path =
      error.path && error.path[0] === 'order'
        ? [responseKey, ...error.path.slice(1)]
        : error.path
          ? [...error.path]
          : undefined;
    return new GraphQLError(error.message, {
      path,
      extensions: error.extensions ?? {},
    });
  });
}
