import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAcknowledgements, type Acknowledgement } from './acknowledgements.js';
import { ROOT } from './compose.js';
import type { OperationDocument } from './operations.js';
import { PERSISTED_DOCUMENTS_FILE } from './persisted-documents.js';
import { ACKNOWLEDGEMENTS_FILE } from './schema-check-report.js';

/** Reading the schema check's inputs from the repository (the check itself touches no files). */

export const OWN_OPERATIONS_DIR = 'client/operations';
/** The client contract, maintained outside this repository; checked when it is there. */
export const CONTRACT_DIR = '../shared/contract';

const readIfExists = (file: string): string | null => {
  const full = path.join(ROOT, file);
  return existsSync(full) ? readFileSync(full, 'utf8') : null;
};

/** Every *.graphql in a folder (relative to the repository), sorted; none when it does not exist. */
export function readOperationFiles(dir: string): OperationDocument[] {
  const full = path.join(ROOT, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => ({
      file: `${dir}/${name}`,
      source: readFileSync(path.join(full, name), 'utf8'),
    }));
}

export function readAcknowledgements(): Acknowledgement[] {
  const text = readIfExists(ACKNOWLEDGEMENTS_FILE);
  return text === null ? [] : parseAcknowledgements(text, ACKNOWLEDGEMENTS_FILE);
}

export function readCommittedFiles() {
  return {
    supergraph: readIfExists('schema/supergraph.graphql'),
    apiSchema: readIfExists('schema/api.graphql'),
    persistedDocuments: readIfExists(PERSISTED_DOCUMENTS_FILE),
  };
}

export interface Baseline {
  sdl: string | null;
  label: string;
}

/**
 * The supergraph to diff against: schema/supergraph.graphql as committed at
 * a git revision (HEAD by default; in CI for a merge request, the target
 * branch, e.g. `--base origin/main`), so a change is seen as a change even
 * after `schema:compose` rewrote the file in the working tree. Without git
 * history (an exported tree), the file in the working tree.
 */
export function readBaseline(ref: string | undefined): Baseline {
  const file = 'schema/supergraph.graphql';
  try {
    const sdl = execFileSync('git', ['show', `${ref ?? 'HEAD'}:${file}`], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { sdl, label: `${file} at ${ref ?? 'HEAD'}` };
  } catch (err) {
    // An explicit base that cannot be read is a mistake; say so rather than diff against nothing.
    if (ref) throw new Error(`cannot read ${file} at ${ref}: ${(err as Error).message.trim()}`);
  }
  const sdl = readIfExists(file);
  return sdl === null
    ? { sdl: null, label: 'nothing (no committed supergraph yet)' }
    : { sdl, label: `${file} (working tree; no git history)` };
}
