/**
 * `npm run schema:compose`: composes the subgraphs' schema files into
 * schema/supergraph.graphql (what the gateway serves) and schema/api.graphql
 * (what clients see). Both are committed, so a schema change shows in review.
 */
import { writeFileSync } from 'node:fs';
import {
  API_SCHEMA_PATH,
  SUPERGRAPH_PATH,
  CompositionFailed,
  compose,
  composedFiles,
  readSubgraphSources,
} from './lib/compose.js';

try {
  const sources = readSubgraphSources();
  const files = composedFiles(compose(sources));
  writeFileSync(SUPERGRAPH_PATH, files.supergraph);
  writeFileSync(API_SCHEMA_PATH, files.apiSchema);
  console.log(
    `composed ${sources.map((s) => s.name).join(', ')} → schema/supergraph.graphql, schema/api.graphql`,
  );
} catch (err) {
  if (err instanceof CompositionFailed) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
