import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { CallError } from '../calls/call-errors.js';
import { StoreUnavailableError } from '../calls/call-store.js';
import { CLIENT_MESSAGE_CODES, ErrorCode } from './error-codes.js';

/** Turns the domain's deliberate errors into GraphQL errors with a stable `extensions.code`. */
export const domainErrors: MiddlewareFn = async (_, next) => {
  try {
    return await next();
  } catch (error) {
    throw asGraphQLError(error);
  }
};

/**
 * A domain error as GraphQL reports it (its message, its code and details as extensions); any
 * other error as it is. For code that runs outside the resolver middleware (subscribing).
 */
export function asGraphQLError(error: unknown): unknown {
  if (error instanceof CallError) return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details } });
  // Nothing was done; the same request may succeed shortly (with its idempotency key, at most once).
  if (error instanceof StoreUnavailableError) {
    return new GraphQLError('Storage is unavailable; nothing was done, try again shortly', {
      originalError: error,
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, reason: error.reason },
    });
  }
  return error;
}


/**
 * Hides what an unexpected error says (it may quote SQL, a URL with credentials, a stack) behind
 * a generic message, keeping path and location so the client knows which field failed.
 */
export function maskError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_MESSAGE_CODES.has(code)) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  // Errors from graphql-js validation of the request itself carry no code over WebSocket.
  if (code === undefined && !formatted.path) {
    return { message: formatted.message, locations: formatted.locations, extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED } };
  }
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/**
 * Drops graphql-js's "Did you mean …?" hints (of validation and of variable errors alike), which
 * spell out the names of fields, types and input fields. With introspection off they would hand
 * out the schema one guess at a time.
 */
export function withoutSchemaHints(formatted: GraphQLFormattedError): GraphQLFormattedError {
  return { ...formatted, message: formatted.message.replace(/ ?Did you mean(.+?)\?$/, '') };
}
