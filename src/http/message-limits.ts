/**
 * The largest GraphQL request, whichever way it comes: an HTTP body, or one WebSocket message
 * (graphql-ws's `subscribe` carries the same document and variables). Documents themselves are
 * held to 20 KiB (`maxDocumentBytes`); the rest is room for variables.
 */
export const GRAPHQL_REQUEST_LIMIT_BYTES = 64 * 1024;

/** The largest webhook body: Bandwidth's events are under 2 KiB; anything bigger is not from Bandwidth. */
export const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;
