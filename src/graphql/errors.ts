import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { CallError } from '../calls/call-errors.js';

/** Turns the domain's deliberate errors into GraphQL errors with a stable `extensions.code`. */
export const domainErrors: MiddlewareFn = async (_, next) => {
  try {
    return await next();
  } catch (error) {
    if (error instanceof CallError) throw toGraphQLError(error);
    throw error;
  }
};

export function toGraphQLError(error: CallError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details } });
}

/** Codes whose messages are written for clients; any other error's message stays on the server. */
const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CALL_NOT_ACTIVE',
  'CALL_NOT_RINGING',
  'BANDWIDTH_ERROR',
  'UNAUTHENTICATED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Hides what an unexpected error says (it may quote SQL, a URL with credentials, a stack) behind
 * a generic message, keeping path and location so the client knows which field failed.
 */
export function maskError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  // Errors from graphql-js validation of the request itself carry no code over WebSocket.
  if (code === undefined && !formatted.path) {
    return { message: formatted.message, locations: formatted.locations, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
  }
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
