import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger.js';

/** The codes the client contract promises in `userErrors`. */
export type UserErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_TOKEN'
  | 'PRODUCT_UNAVAILABLE'
  | 'INVALID_STATE'
  | 'DUPLICATE_SKU';

export interface UserError {
  code: UserErrorCode;
  field: string[] | null;
  message: string;
}

/**
 * An expected domain outcome (bad input, a refused transition). Services throw
 * it; the mutation payload helper turns it into `userErrors` with the object
 * field null. Nothing has been written when it is thrown inside a transaction.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  readonly errors: UserError[];

  constructor(code: UserErrorCode, message: string, field?: (string | number)[] | null);
  constructor(errors: UserError[]);
  constructor(
    codeOrErrors: UserErrorCode | UserError[],
    message?: string,
    field?: (string | number)[] | null,
  ) {
    const errors = Array.isArray(codeOrErrors)
      ? codeOrErrors
      : [
          {
            code: codeOrErrors,
            message: message ?? codeOrErrors,
            field: field ? field.map(String) : null,
          },
        ];
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
  }
}

/** Error codes that are not domain outcomes, sent in `extensions.code`. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'SUBGRAPH_UNAVAILABLE'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_NOT_SUPPORTED'
  | 'INTERNAL_SERVER_ERROR';

export function graphqlError(
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const unauthenticated = (message = 'Authentication required') =>
  graphqlError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do this') =>
  graphqlError('FORBIDDEN', message);
export const badUserInput = (message: string, field?: string[]) =>
  graphqlError('BAD_USER_INPUT', message, field ? { field } : {});

/** Codes whose messages were written for clients and may pass through unchanged. */
const CLIENT_SAFE_CODES = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'SUBGRAPH_UNAVAILABLE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/** What happens to an error `maskErrors` hides: by default, one log line under the trace id. */
export type UnexpectedErrorReport = (
  original: unknown,
  masked: GraphQLFormattedError,
  path: GraphQLFormattedError['path'],
) => void;

/**
 * Apollo `formatError`: errors with a client-safe code keep their message; any
 * other error (a bug, a database failure) becomes a bare INTERNAL_SERVER_ERROR
 * and is logged in full under the trace id (or handed to `report`). Stack
 * traces never leave.
 */
export function maskErrors(
  logger: Logger,
  report: UnexpectedErrorReport = (original, _masked, path) =>
    logger.error({ err: original, path }, 'unexpected error in resolver'),
) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_SAFE_CODES.has(code)) {
      const {
        stacktrace: _stack,
        exception: _exception,
        ...extensions
      } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const original =
      error instanceof GraphQLError && error.originalError ? error.originalError : error;
    const masked: GraphQLFormattedError = {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
    report(original, masked, formatted.path);
    return masked;
  };
}
