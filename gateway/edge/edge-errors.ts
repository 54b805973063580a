import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { QUERY_TOO_COMPLEX } from './query-limits.js';

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

// graphql 16 spells it "more that".
const TOKEN_LIMIT = /Document contains more tha[nt] (\d+) tokens/;

/**
 * Apollo files every validation-rule error under GRAPHQL_VALIDATION_FAILED and
 * every parse error under GRAPHQL_PARSE_FAILED; the edge's own refusals (a
 * query too deep, too wide, too many tokens) get the contract's
 * QUERY_TOO_COMPLEX instead, so clients can tell "fix your query" from "your
 * query is invalid". Everything else goes to `next` (the masking formatter).
 */
export function edgeFormatError(next: FormatError): FormatError {
  return (formatted, error) => {
    const original = error instanceof GraphQLError ? error.originalError : undefined;
    if (original instanceof GraphQLError && original.extensions.code === QUERY_TOO_COMPLEX) {
      return next(
        {
          ...formatted,
          extensions: { ...formatted.extensions, code: QUERY_TOO_COMPLEX, ...original.extensions },
        },
        error,
      );
    }
    const tokens =
      formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED'
        ? TOKEN_LIMIT.exec(formatted.message)
        : null;
    if (tokens) {
      return next(
        {
          message: `The document has more than ${tokens[1]} tokens, the maximum`,
          extensions: { code: QUERY_TOO_COMPLEX, limit: 'tokens' },
        },
        error,
      );
    }
    // Apollo's own APQ refusals carry no code (so they would be masked as
    // internal errors); they are the client's mistake.
    if (APQ_INPUT_ERRORS.has(formatted.message)) {
      return next({ ...formatted, extensions: { code: 'BAD_USER_INPUT' } }, error);
    }
    return next(formatted, error);
  };
}

const APQ_INPUT_ERRORS = new Set([
  'provided sha does not match query',
  'Unsupported persisted query version',
]);
