import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema, printSchema } from './graphql-cjs.js';

export type ChangeLevel = 'breaking' | 'dangerous' | 'safe';

export interface SchemaChange {
  level: ChangeLevel;
  /** Inspector's sentence, e.g. "Field 'sku' was removed from object type 'Product'"; acknowledgements quote it. */
  message: string;
  /** Schema coordinate, e.g. "Product.sku". */
  path: string | null;
  /** Inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
  /** Why inspector rates it so, when it says. */
  reason: string | null;
}

const LEVELS: Record<CriticalityLevel, ChangeLevel> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};
const ORDER: ChangeLevel[] = ['breaking', 'dangerous', 'safe'];

/** What clients of a supergraph see: its API schema, printed (federation's join/link machinery removed). */
export function apiSchemaOfSupergraph(supergraphSdl: string): string {
  return printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema());
}

/** Every change from one API schema to the next, breaking first. */
export async function diffApiSchemas(
  previousSdl: string,
  nextSdl: string,
): Promise<SchemaChange[]> {
  const changes = await diff(buildSchema(previousSdl), buildSchema(nextSdl));
  return changes
    .map((change) => ({
      level: LEVELS[change.criticality.level],
      message: change.message,
      path: change.path ?? null,
      type: String(change.type),
      reason: change.criticality.reason ?? null,
    }))
    .sort((a, b) => ORDER.indexOf(a.level) - ORDER.indexOf(b.level));
}
