import {
  Kind,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  parse,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { SubgraphSource } from './compose.js';

const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;
const CAMEL_CASE = /^[a-z][A-Za-z0-9]*$/;
const UPPER_CASE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/**
 * Which subgraphs define each type, field and enum value (by schema
 * coordinate: `Type`, `Type.field`), so a problem names the file to fix.
 */
function ownersByCoordinate(subgraphs: SubgraphSource[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  const add = (coordinate: string, subgraph: string) => {
    const list = owners.get(coordinate) ?? [];
    if (!list.includes(subgraph)) list.push(subgraph);
    owners.set(coordinate, list);
  };
  for (const { name, sdl } of subgraphs) {
    let definitions;
    try {
      definitions = parse(sdl).definitions;
    } catch {
      continue; // composition already reports a schema that does not parse
    }
    for (const def of definitions) {
      if (!('name' in def) || !def.name || def.kind === Kind.DIRECTIVE_DEFINITION) continue;
      const type = def.name.value;
      add(type, name);
      const members = [
        ...('fields' in def ? (def.fields ?? []) : []),
        ...('values' in def ? (def.values ?? []) : []),
      ];
      for (const member of members) add(`${type}.${member.name.value}`, name);
    }
  }
  return owners;
}

/**
 * Lints what clients see (the API schema): every type, field, argument, input
 * field and enum value has a description; types are PascalCase, fields and
 * arguments camelCase, enum values UPPER_CASE. The root operation types are
 * the one exception to descriptions: GraphQL names them, and each subgraph
 * adds fields to them, so there is no one owner to write it; their fields
 * are described like any other.
 */
export function lintApiSchema(schema: GraphQLSchema, subgraphs: SubgraphSource[]): string[] {
  const owners = ownersByCoordinate(subgraphs);
  const roots = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
      .filter((t) => t !== null && t !== undefined)
      .map((t) => t.name),
  );
  const problems: string[] = [];
  const report = (type: GraphQLNamedType, coordinate: string, problem: string) => {
    // An argument is fixed where its field is defined.
    const member = coordinate.replace(/^type /, '').replace(/\(.*$/, '');
    const where = owners.get(member) ?? owners.get(type.name) ?? [];
    const files = where.map((name) => `subgraphs/${name}/schema.graphql`).join(', ');
    problems.push(`${coordinate} ${problem}${files ? ` (in ${files})` : ''}`);
  };
  const described = (type: GraphQLNamedType, coordinate: string, description?: string | null) => {
    if (!description?.trim()) report(type, coordinate, 'has no description');
  };
  const named = (type: GraphQLNamedType, coordinate: string, name: string, pattern: RegExp) => {
    if (!pattern.test(name)) report(type, coordinate, `is not ${caseName(pattern)}`);
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    named(type, `type ${type.name}`, type.name, PASCAL_CASE);
    if (!roots.has(type.name)) described(type, `type ${type.name}`, type.description);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        named(type, coordinate, field.name, CAMEL_CASE);
        described(type, coordinate, field.description);
        for (const arg of 'args' in field ? field.args : []) {
          const argCoordinate = `${coordinate}(${arg.name}:)`;
          named(type, argCoordinate, arg.name, CAMEL_CASE);
          described(type, argCoordinate, arg.description);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) {
        const coordinate = `${type.name}.${value.name}`;
        named(type, coordinate, value.name, UPPER_CASE);
        described(type, coordinate, value.description);
      }
    }
  }
  return problems;
}

function caseName(pattern: RegExp): string {
  if (pattern === PASCAL_CASE) return 'PascalCase';
  if (pattern === CAMEL_CASE) return 'camelCase';
  return 'UPPER_CASE';
}
