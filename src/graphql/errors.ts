import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { CallError, CallErrorCode } from '../calls/call-errors.js';
import { StoreUnavailableError } from '../calls/call-store.js';

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
      extensions: { code: 'SERVICE_UNAVAILABLE', reason: error.reason },
    });
  }
  return error;
}

/** Codes whose messages are written for clients; any other error's message stays on the server. */
const PUBLIC_CODES = new Set<string>([
  // Every error the call domain raises on purpose.
  ...Object.values(CallErrorCode),
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  // Operation limits (operation-limits.ts): the message says which limit, extensions.limit how much.
  'DOCUMENT_TOO_LARGE',
  'TOO_MANY_TOKENS',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'QUERY_TOO_COMPLEX',
  // Subscription limits (subscription-quota.ts): extensions.limit says which, extensions.max how many.
  'TOO_MANY_SUBSCRIPTIONS',
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

/**
 * Drops graphql-js's "Did you mean …?" hints (of validation and of variable errors alike), which
 * spell out the names of fields, types and input fields. With introspection off they would hand
 * out the schema one guess at a time.
 */
export function withoutSchemaHints(formatted: GraphQLFormattedError): GraphQLFormattedError {
  return { ...formatted, message: formatted.message.replace(/ ?Did you mean(.+?)\?$/, '') };
}
