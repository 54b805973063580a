import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
// The gateway's own planner (a dependency of @apollo/gateway, same version), so
// the fetches below are exactly what the gateway sends.
import {
  QueryPlanner,
  type FetchNode,
  type PlanNode,
  type SubscriptionNode,
} from '@apollo/query-planner';
import type { DocumentNode } from 'graphql';
import { loadSupergraphSdl } from '../../gateway/supergraph.js';

/**
 * The subgraph fetches the gateway plans for a client operation, read from
 * the committed supergraph, so a benchmark can send a subgraph exactly what
 * the gateway would (and stays right when the schema changes).
 */

let planner: { supergraph: Supergraph; planner: QueryPlanner } | null = null;

function fetchesOf(node: PlanNode | SubscriptionNode | undefined): FetchNode[] {
  if (!node) return [];
  switch (node.kind) {
    case 'Fetch':
      return [node];
    case 'Flatten':
      return fetchesOf(node.node);
    case 'Sequence':
    case 'Parallel':
      return node.nodes.flatMap(fetchesOf);
    default:
      throw new Error(`unexpected ${node.kind} node in the plan`);
  }
}

/** Every fetch of the operation's plan, in plan order. */
export function plannedFetches(document: DocumentNode): FetchNode[] {
  planner ??= (() => {
    const supergraph = Supergraph.build(loadSupergraphSdl());
    return { supergraph, planner: new QueryPlanner(supergraph) };
  })();
  const operation = operationFromDocument(planner.supergraph.schema, document);
  return fetchesOf(planner.planner.buildQueryPlan(operation).node);
}

/** The plan's first fetch to `subgraph` that needs no earlier result (a root field). */
export function rootFetch(document: DocumentNode, subgraph: string): FetchNode {
  const fetch = plannedFetches(document).find((f) => f.serviceName === subgraph && !f.requires);
  if (!fetch) throw new Error(`the plan has no root fetch to ${subgraph}`);
  return fetch;
}
