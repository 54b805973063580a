import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { printSchema } from './graphql-cjs.js';
import { DEFAULT_PORTS, SERVICE_NAMES, type SubgraphName } from '../../platform/config.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SUPERGRAPH_PATH = `${ROOT}schema/supergraph.graphql`;
export const API_SCHEMA_PATH = `${ROOT}schema/api.graphql`;

export interface SubgraphSource {
  name: SubgraphName;
  url: string;
  sdl: string;
}

/** The subgraphs' own schema files; the URL recorded is the local default (the gateway overrides it from its config). */
export function readSubgraphSources(root = ROOT): SubgraphSource[] {
  return SERVICE_NAMES.filter((name) => existsSync(`${root}subgraphs/${name}/schema.graphql`)).map(
    (name) => ({
      name,
      url: `http://127.0.0.1:${DEFAULT_PORTS[name]}/graphql`,
      sdl: readFileSync(`${root}subgraphs/${name}/schema.graphql`, 'utf8'),
    }),
  );
}

export class CompositionFailed extends Error {
  override name = 'CompositionFailed';
  constructor(readonly problems: string[]) {
    super(`composition failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface Composed {
  supergraphSdl: string;
  /** What clients see: the supergraph without federation's machinery. */
  apiSchemaSdl: string;
}

/** Composes in process with @apollo/composition (no router or rover binary to download). */
export function compose(sources: SubgraphSource[]): Composed {
  const problems: string[] = [];
  const services = sources.flatMap((s) => {
    try {
      return [{ name: s.name, url: s.url, typeDefs: parse(s.sdl) }];
    } catch (err) {
      problems.push(`[${s.name}] schema.graphql does not parse: ${(err as Error).message}`);
      return [];
    }
  });
  if (problems.length) throw new CompositionFailed(problems);
  const result = composeServices(services);
  if (result.errors) {
    throw new CompositionFailed(
      result.errors.map((e) => {
        const code = typeof e.extensions?.code === 'string' ? `${e.extensions.code}: ` : '';
        return `${code}${e.message}`;
      }),
    );
  }
  const apiSchemaSdl = printSchema(result.schema.toAPISchema().toGraphQLJSSchema());
  return { supergraphSdl: result.supergraphSdl, apiSchemaSdl };
}

/** The exact contents of schema/supergraph.graphql and schema/api.graphql for a composition. */
export function composedFiles(composed: Composed): { supergraph: string; apiSchema: string } {
  const { supergraphSdl, apiSchemaSdl } = composed;
  return {
    supergraph: supergraphSdl.endsWith('\n') ? supergraphSdl : `${supergraphSdl}\n`,
    apiSchema: `${apiSchemaSdl}\n`,
  };
}
