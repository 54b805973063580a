import { writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS } from './subgraphs/all.js';
import { subgraphUrls } from './subgraphs/subgraph.js';

/**
 * The benchmark's supergraph, composed from the four subgraphs' SDLs with
 * @apollo/composition at every run (never committed, so it cannot drift from
 * the subgraphs), with their URLs on this run's ports. All three gateways
 * serve this same file.
 */
export function composeSupergraph(host: string, basePort: number): string {
  const urls = subgraphUrls(host, basePort);
  const result = composeServices(
    SUBGRAPHS.map((s) => ({ name: s.name, url: urls[s.name], typeDefs: parse(s.typeDefs) })),
  );
  if (result.errors) {
    throw new Error(
      `composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`,
    );
  }
  return result.supergraphSdl;
}

export function writeSupergraph(file: string, host: string, basePort: number): string {
  writeFileSync(file, composeSupergraph(host, basePort));
  return file;
}
