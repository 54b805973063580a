/**
 * `npm run persisted-documents`: writes client/persisted-documents.json, the
 * trusted-documents manifest (sha256 of each printed operation → its text),
 * from client/operations. `npm run schema:check` fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/compose.js';
import {
  PERSISTED_DOCUMENTS_FILE,
  buildPersistedDocuments,
  printPersistedDocuments,
} from './lib/persisted-documents.js';
import { OWN_OPERATIONS_DIR, readOperationFiles } from './lib/schema-inputs.js';

const manifest = buildPersistedDocuments(readOperationFiles(OWN_OPERATIONS_DIR));
writeFileSync(path.join(ROOT, PERSISTED_DOCUMENTS_FILE), printPersistedDocuments(manifest));
console.log(`${Object.keys(manifest).length} documents → ${PERSISTED_DOCUMENTS_FILE}`);
