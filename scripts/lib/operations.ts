import type { GraphQLError } from 'graphql';
import {
  Kind,
  LoneAnonymousOperationRule,
  NoUnusedFragmentsRule,
  Source,
  UniqueFragmentNamesRule,
  UniqueOperationNamesRule,
  parse,
  specifiedRules,
  validate,
  visit,
  type ASTNode,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

/** A file of client operations, as read from disk (file is the name shown in messages). */
export interface OperationDocument {
  file: string;
  source: string;
}

/** One operation with the fragments it needs (transitively): what a client actually sends. */
export interface OperationUnit {
  name: string;
  operation: OperationDefinitionNode;
  document: DocumentNode;
}

export function parseOperationDocument(doc: OperationDocument): DocumentNode {
  return parse(new Source(doc.source, doc.file));
}

function spreadNames(node: ASTNode): string[] {
  const names: string[] = [];
  visit(node, {
    FragmentSpread(spread) {
      names.push(spread.name.value);
    },
  });
  return names;
}

/** The fragments a definition spreads, transitively, sorted by name (a stable print). */
function fragmentsNeeded(
  def: DefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const used = new Set<string>();
  const pending = spreadNames(def);
  while (pending.length) {
    const name = pending.pop()!;
    const fragment = fragments.get(name);
    if (used.has(name) || !fragment || fragment === def) continue;
    used.add(name);
    pending.push(...spreadNames(fragment));
  }
  return [...used].sort().map((name) => fragments.get(name)!);
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  return fragments;
}

/** Splits a document into its operations, each with only the fragments it uses. */
export function operationUnits(document: DocumentNode): OperationUnit[] {
  const fragments = fragmentsOf(document);
  return document.definitions
    .filter((def): def is OperationDefinitionNode => def.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => ({
      name: operation.name?.value ?? '<anonymous>',
      operation,
      document: {
        kind: Kind.DOCUMENT,
        definitions: [operation, ...fragmentsNeeded(operation, fragments)],
      },
    }));
}

/**
 * Where in the operation an error sits: the chain of field names from the
 * root (`products.edges.node.sku`), or `fragment X: a.b` inside a fragment.
 */
function pathsByNode(document: DocumentNode): Map<ASTNode, string> {
  const paths = new Map<ASTNode, string>();
  for (const def of document.definitions) {
    const prefix = def.kind === Kind.FRAGMENT_DEFINITION ? `fragment ${def.name.value}: ` : '';
    const fields: string[] = [];
    visit(def, {
      enter(node) {
        if (node.kind === Kind.FIELD) fields.push(node.name.value);
        paths.set(node, fields.length ? `${prefix}${fields.join('.')}` : `${prefix}(root)`);
      },
      leave(node) {
        if (node.kind === Kind.FIELD) fields.pop();
      },
    });
  }
  return paths;
}

function describe(
  file: string,
  unit: string,
  error: GraphQLError,
  paths: Map<ASTNode, string>,
): string {
  const node = error.nodes?.[0];
  const where = node ? (paths.get(node) ?? '(root)') : '(root)';
  const line = error.locations?.[0]?.line;
  return `${file}: ${unit}: ${error.message} (at ${where}${line ? `, line ${line}` : ''})`;
}

const FILE_RULES = [UniqueOperationNamesRule, UniqueFragmentNamesRule, LoneAnonymousOperationRule];
const FRAGMENT_RULES = specifiedRules.filter((rule) => rule !== NoUnusedFragmentsRule);

/**
 * Validates every operation of every document against the schema, one
 * operation at a time, so each message names the operation that breaks
 * (also when the broken field sits in a fragment it spreads).
 * Message: `<file>: operation <Name>: <message> (at <path>, line <n>)`.
 */
export function validateOperations(schema: GraphQLSchema, docs: OperationDocument[]): string[] {
  const problems: string[] = [];
  for (const doc of docs) {
    let document: DocumentNode;
    try {
      document = parseOperationDocument(doc);
    } catch (err) {
      problems.push(`${doc.file}: does not parse: ${(err as Error).message}`);
      continue;
    }
    const filePaths = pathsByNode(document);
    for (const error of validate(schema, document, FILE_RULES)) {
      problems.push(describe(doc.file, 'document', error, filePaths));
    }
    const units = operationUnits(document);
    for (const unit of units) {
      const paths = pathsByNode(unit.document);
      for (const error of validate(schema, unit.document)) {
        problems.push(describe(doc.file, `operation ${unit.name}`, error, paths));
      }
    }
    // A fragment no operation spreads is still part of the contract: check it on its own.
    const spread = new Set(units.flatMap((u) => u.document.definitions.slice(1)));
    for (const def of document.definitions) {
      if (def.kind !== Kind.FRAGMENT_DEFINITION || spread.has(def)) continue;
      const alone: DocumentNode = {
        kind: Kind.DOCUMENT,
        definitions: [def, ...fragmentsNeeded(def, fragmentsOf(document))],
      };
      for (const error of validate(schema, alone, FRAGMENT_RULES)) {
        problems.push(describe(doc.file, `fragment ${def.name.value}`, error, filePaths));
      }
    }
  }
  return problems;
}
