import { createHash } from 'node:crypto';
import { print } from 'graphql';
import { operationUnits, parseOperationDocument, type OperationDocument } from './operations.js';

/** Where the manifest lives: next to the operations it is generated from. */
export const PERSISTED_DOCUMENTS_FILE = 'client/persisted-documents.json';

/** sha256 (hex) of a document's text: the id a client sends in trusted-documents mode. */
export function documentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The trusted-documents manifest: for every operation, its printed document
 * (the operation plus the fragments it spreads) keyed by the sha256 of that
 * exact text, so the edge can check `hash(text) === id` on load. Entries come
 * in file order, operations in source order, for readable diffs.
 */
export function buildPersistedDocuments(docs: OperationDocument[]): Record<string, string> {
  const manifest: Record<string, string> = {};
  const names = new Map<string, string>();
  for (const doc of [...docs].sort((a, b) => a.file.localeCompare(b.file))) {
    for (const unit of operationUnits(parseOperationDocument(doc))) {
      // Two operations of one name would be ambiguous in logs and metrics.
      const seen = names.get(unit.name);
      if (seen) throw new Error(`operation ${unit.name} is defined in ${seen} and ${doc.file}`);
      names.set(unit.name, doc.file);
      const text = print(unit.document);
      manifest[documentHash(text)] = text;
    }
  }
  return manifest;
}

/** The file's exact content (2-space JSON, final newline: what prettier writes too). */
export function printPersistedDocuments(manifest: Record<string, string>): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
