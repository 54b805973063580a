import { buildSchema } from 'graphql';
import {
  applyAcknowledgements,
  type Acknowledgement,
  type CheckedChange,
} from './acknowledgements.js';
import {
  CompositionFailed,
  compose,
  composedFiles,
  type Composed,
  type SubgraphSource,
} from './compose.js';
import {
  operationUnits,
  parseOperationDocument,
  validateOperations,
  type OperationDocument,
} from './operations.js';
import {
  PERSISTED_DOCUMENTS_FILE,
  buildPersistedDocuments,
  printPersistedDocuments,
} from './persisted-documents.js';
import { apiSchemaOfSupergraph, diffApiSchemas } from './schema-diff.js';
import { lintApiSchema } from './schema-lint.js';

/**
 * The schema check as a pure function of its inputs (no file or git access),
 * so the CLI runs it on the repository and tests run it on fixtures.
 */
export interface SchemaCheckInput {
  subgraphs: SubgraphSource[];
  /** The supergraph clients are served today (the committed one); null when there is none yet. */
  previousSupergraphSdl: string | null;
  /** The project's own operations: validated, and the source of the persisted-documents manifest. */
  ownOperations: OperationDocument[];
  /** Operations of clients outside this repository (../shared/contract): validated only. */
  contractOperations: OperationDocument[];
  acknowledgements: Acknowledgement[];
  /** Generated files as committed (null when missing), to compare with what this check generates. */
  committed: {
    supergraph: string | null;
    apiSchema: string | null;
    persistedDocuments: string | null;
  };
}

export interface StaleFile {
  file: string;
  fix: string;
}

export interface SchemaCheckReport {
  ok: boolean;
  /** Problems composing, each naming the subgraphs, type and field (composition's own words). */
  compositionProblems: string[];
  composed: Composed | null;
  /** Problems reading the previous supergraph (then nothing is diffed). */
  baselineProblems: string[];
  changes: CheckedChange[];
  unusedAcknowledgements: Acknowledgement[];
  operationCount: number;
  operationProblems: string[];
  lintProblems: string[];
  staleFiles: StaleFile[];
}

export const unacknowledgedBreaking = (report: SchemaCheckReport): CheckedChange[] =>
  report.changes.filter((c) => c.level === 'breaking' && !c.acknowledgement);

function countOperations(docs: OperationDocument[]): number {
  return docs.reduce((n, doc) => {
    try {
      return n + operationUnits(parseOperationDocument(doc)).length;
    } catch {
      return n; // reported by validation
    }
  }, 0);
}

function staleFiles(
  composed: Composed,
  ownOperations: OperationDocument[],
  committed: SchemaCheckInput['committed'],
): StaleFile[] {
  const stale: StaleFile[] = [];
  const files = composedFiles(composed);
  const compose = 'run `npm run schema:compose` and commit the result';
  if (committed.supergraph !== files.supergraph) {
    stale.push({ file: 'schema/supergraph.graphql', fix: compose });
  }
  if (committed.apiSchema !== files.apiSchema) {
    stale.push({ file: 'schema/api.graphql', fix: compose });
  }
  let manifest: string | null = null;
  try {
    manifest = printPersistedDocuments(buildPersistedDocuments(ownOperations));
  } catch {
    // Operations that do not parse are reported by validation; nothing to compare.
  }
  if (manifest !== null && committed.persistedDocuments !== manifest) {
    stale.push({
      file: PERSISTED_DOCUMENTS_FILE,
      fix: 'run `npm run persisted-documents` and commit the result',
    });
  }
  return stale;
}

export async function checkSchema(input: SchemaCheckInput): Promise<SchemaCheckReport> {
  const report: SchemaCheckReport = {
    ok: false,
    compositionProblems: [],
    composed: null,
    baselineProblems: [],
    changes: [],
    unusedAcknowledgements: [],
    operationCount: countOperations([...input.ownOperations, ...input.contractOperations]),
    operationProblems: [],
    lintProblems: [],
    staleFiles: [],
  };
  try {
    report.composed = compose(input.subgraphs);
  } catch (err) {
    if (!(err instanceof CompositionFailed)) throw err;
    report.compositionProblems = err.problems;
    // Nothing else can be checked without a schema.
    return report;
  }
  const { apiSchemaSdl } = report.composed;

  let changes: CheckedChange[] = [];
  let unused = input.acknowledgements;
  if (input.previousSupergraphSdl !== null) {
    let previousApi: string | null = null;
    try {
      previousApi = apiSchemaOfSupergraph(input.previousSupergraphSdl);
    } catch (err) {
      report.baselineProblems.push(
        `the previous supergraph is not a valid supergraph: ${(err as Error).message}`,
      );
    }
    if (previousApi !== null) {
      ({ changes, unused } = applyAcknowledgements(
        await diffApiSchemas(previousApi, apiSchemaSdl),
        input.acknowledgements,
      ));
    }
  }
  report.changes = changes;
  report.unusedAcknowledgements = unused;

  const apiSchema = buildSchema(apiSchemaSdl);
  report.operationProblems = validateOperations(apiSchema, [
    ...input.ownOperations,
    ...input.contractOperations,
  ]);
  report.lintProblems = lintApiSchema(apiSchema, input.subgraphs);
  report.staleFiles = staleFiles(report.composed, input.ownOperations, input.committed);

  report.ok =
    report.baselineProblems.length === 0 &&
    unacknowledgedBreaking(report).length === 0 &&
    report.operationProblems.length === 0 &&
    report.lintProblems.length === 0 &&
    report.staleFiles.length === 0;
  return report;
}
