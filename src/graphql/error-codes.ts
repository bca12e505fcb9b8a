import { CallErrorCode } from '../calls/call-errors.js';

/**
 * Every `extensions.code` a GraphQL client can receive, in one place: the GraphQL and HTTP layers
 * take their codes from here, the error formatter lets exactly these through (see `errors.ts`),
 * and the README's error table lists exactly these (a test compares the two both ways).
 */
export const ErrorCode = {
  // Every error the call domain raises on purpose.
  ...CallErrorCode,
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  // Operation limits (operation-limits.ts): the message says which limit, extensions.limit how much.
  DOCUMENT_TOO_LARGE: 'DOCUMENT_TOO_LARGE',
  TOO_MANY_TOKENS: 'TOO_MANY_TOKENS',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  // Subscription limits (subscription-quota.ts): extensions.limit says which, extensions.max how many.
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  // The request itself, as Apollo names what is wrong with it (and graphql-ws the same way here).
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_REQUEST: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** Anything unexpected: its message is replaced by a generic one, the cause stays in the log. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Codes whose messages are written for clients and pass through as they are. Not
 * `INTERNAL_SERVER_ERROR`: Apollo gives that code to an unexpected error with its original
 * message, which must stay on the server.
 */
export const CLIENT_MESSAGE_CODES: ReadonlySet<string> = new Set<string>(
  Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
);
