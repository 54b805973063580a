/**
 * `npm run schema:check` (the same locally and in CI): composes the subgraph
 * schemas, diffs the API schema against the committed supergraph (breaking
 * changes fail unless acknowledged in schema/breaking-changes.json),
 * validates every client operation (client/operations and, when present,
 * ../shared/contract), lints the schema, and checks that the generated
 * schema files and persisted-documents manifest are current.
 *
 *   npm run schema:check                       diff against HEAD
 *   npm run schema:check -- --base origin/main  diff against another revision
 *   (or SCHEMA_CHECK_BASE=origin/main)
 */
import { parseArgs } from 'node:util';
import { readSubgraphSources } from './lib/compose.js';
import { checkSchema } from './lib/schema-check.js';
import { formatReport } from './lib/schema-check-report.js';
import {
  CONTRACT_DIR,
  OWN_OPERATIONS_DIR,
  readAcknowledgements,
  readBaseline,
  readCommittedFiles,
  readOperationFiles,
} from './lib/schema-inputs.js';

const started = Date.now();
const { values } = parseArgs({ options: { base: { type: 'string' } } });

try {
  const baseline = readBaseline(values.base ?? (process.env.SCHEMA_CHECK_BASE || undefined));
  const contract = readOperationFiles(CONTRACT_DIR);
  const report = await checkSchema({
    subgraphs: readSubgraphSources(),
    previousSupergraphSdl: baseline.sdl,
    ownOperations: readOperationFiles(OWN_OPERATIONS_DIR),
    contractOperations: contract,
    acknowledgements: readAcknowledgements(),
    committed: readCommittedFiles(),
  });
  console.log(
    formatReport(report, {
      baseline: baseline.label,
      today: new Date().toISOString().slice(0, 10),
    }),
  );
  if (!contract.length) console.log(`(no ${CONTRACT_DIR} here: checked own operations only)`);
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)}s)`);
  process.exit(report.ok ? 0 : 1);
} catch (err) {
  console.error(`schema check FAILED: ${(err as Error).message}`);
  process.exit(1);
}
