import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';

/**
 * graphql's CommonJS build, the one @apollo/composition and
 * @apollo/federation-internals (CommonJS packages) build their schemas with.
 * Node gives `import 'graphql'` that same build, but vitest resolves it to the
 * ESM build, and graphql refuses a schema "from another module or realm".
 * Printing federation's schemas, and building the ones handed to
 * @graphql-inspector/core (which node also links to this build), through it
 * works under both.
 */
const require = createRequire(import.meta.url);
export const { buildSchema, printSchema } = require('graphql') as typeof GraphQL;
