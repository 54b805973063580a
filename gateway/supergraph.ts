import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The gateway serves the committed, composed supergraph (schema/supergraph.graphql,
 * written by `npm run schema:compose`), so what runs is what was reviewed.
 * Subgraph URLs come from the gateway's configuration, not from that file.
 */
export const SUPERGRAPH_FILE = fileURLToPath(
  new URL('../schema/supergraph.graphql', import.meta.url),
);

export function loadSupergraphSdl(path = SUPERGRAPH_FILE): string {
  return readFileSync(path, 'utf8');
}
