import { print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { inject } from 'vitest';
import './provided.js';

/**
 * A minimal GraphQL client for tests: POSTs to the test stack's gateway the
 * way a storefront does (JSON body, bearer token) and returns what came back,
 * errors included, so tests can assert on either.
 */

/** Structurally the codegen `TypedDocumentNode`: a document that knows its result and variables. */
export type TypedDocument<TResult, TVariables> = DocumentNode & {
  __apiType?: (variables: TVariables) => TResult;
};

export interface GqlOptions {
  /** An access token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** Another endpoint (a subgraph directly, a second gateway); default: the test gateway. */
  url?: string;
}

export interface GqlResult<TResult> {
  data: TResult | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
  /** HTTP status, for tests about the transport (401, 400, 429…). */
  status: number;
  headers: Headers;
}

export function gatewayUrl(): string {
  const url = inject('gatewayUrl');
  if (!url) throw new Error('no gateway in the test stack (gateway/index.ts does not exist yet)');
  return url;
}

export async function gql<TResult = Record<string, unknown>, TVariables = Record<string, unknown>>(
  document: string | TypedDocument<TResult, TVariables>,
  variables?: TVariables,
  options: GqlOptions = {},
): Promise<GqlResult<TResult>> {
  const query = typeof document === 'string' ? document : print(document);
  const res = await fetch(options.url ?? gatewayUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: TResult | null; errors?: GraphQLFormattedError[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(
      `gateway answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`,
    );
  }
  return { data: body.data, errors: body.errors, status: res.status, headers: res.headers };
}
