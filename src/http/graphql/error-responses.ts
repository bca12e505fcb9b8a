import { unwrapResolverError } from '@apollo/server/errors';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { maskError, withoutSchemaHints } from '../../graphql/errors.js';
import { ErrorCode } from '../../graphql/error-codes.js';

/** Apollo's `formatError`, used for every error `/graphql` sends, over HTTP and WebSocket alike. */
export type FormatError = (formatted: GraphQLFormattedError, error?: unknown) => GraphQLFormattedError;

/**
 * Masks what the client must not see, and drops "Did you mean …?" schema hints when introspection
 * is off, since they give the schema away just the same.
 */
export function errorFormatter(log: Pick<FastifyBaseLogger, 'error' | 'warn'>, introspection: boolean): FormatError {
  return (formatted, error) => {
    const masked = maskError(formatted);
    // What the client is not told goes to the log, where whoever runs the service can read it.
    if (masked.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
      log.error({ err: unwrapResolverError(error), path: formatted.path }, 'GraphQL operation failed unexpectedly');
    }
    if (masked.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE) log.warn({ reason: masked.extensions.reason, path: formatted.path }, 'storage unavailable');
    return introspection ? masked : withoutSchemaHints(masked);
  };
}

/** A GraphQL-shaped error response sent before Apollo is reached, as Apollo would have sent it. */
export function sendErrors(reply: FastifyReply, status: number, errors: GraphQLFormattedError[]): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ errors });
}

export function unauthenticated(): GraphQLError {
  return new GraphQLError('A valid API token is required: send Authorization: Bearer <token>', {
    extensions: { code: ErrorCode.UNAUTHENTICATED },
  });
}
