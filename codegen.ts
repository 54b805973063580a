import { existsSync, readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Generated types, never hand-written copies:
 * - per subgraph, resolver types from its schema.graphql, mapped to its entity
 *   types (each subgraph lists its mappers in `codegen.mappers.json`);
 * - for the project's own client operations (tests, benchmarks), typed
 *   documents against the composed public API schema.
 * Generated files are committed; `npm run codegen:check` fails when they are stale.
 */
const SUBGRAPHS = ['user', 'product', 'order', 'inventory', 'payment'] as const;

const mappersOf = (name: string): Record<string, string> => {
  const file = `subgraphs/${name}/codegen.mappers.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
};

const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1);

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    ...Object.fromEntries(
      SUBGRAPHS.filter((name) => existsSync(`subgraphs/${name}/schema.graphql`)).map((name) => [
        `subgraphs/${name}/__generated__/resolvers-types.ts`,
        {
          schema: `subgraphs/${name}/schema.graphql`,
          plugins: ['typescript', 'typescript-resolvers'],
          config: {
            federation: true,
            useIndexSignature: true,
            useTypeImports: true,
            enumsAsTypes: true,
            contextType: `../context.js#${capitalize(name)}Context`,
            mapperTypeSuffix: 'Model',
            mappers: mappersOf(name),
            scalars: { DateTime: { input: 'string', output: 'Date | string' } },
          },
        },
      ]),
    ),
    // Typed documents for the project's own client operations, against what clients see.
    'client/__generated__/': {
      schema: 'schema/api.graphql',
      documents: ['client/operations/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string' },
        importExtension: '.js',
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
