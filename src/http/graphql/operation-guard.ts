import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Context } from '../../graphql/context.type.js';
import { checkOperation, type OperationLimits } from '../../graphql/operation-limits.js';
import type { MutationRateLimit } from '../mutation-rate-limit.js';
import { ErrorCode } from '../../graphql/error-codes.js';

/**
 * The checks that need the parsed operation, in Apollo's `didResolveOperation` (after validation,
 * before execution): subscriptions, which only WebSocket serves (400), its depth, aliases and
 * cost (400), then the mutation rate limit (429 with `Retry-After`).
 */
export function operationGuard(limits: OperationLimits, rateLimit: MutationRateLimit): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          // No operation to run: execution answers that, with its own error.
          if (!operation) return;
          // Apollo would run a subscription's resolvers once, with no event, and fail inside them.
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) on this same path, not over HTTP', {
              extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
            });
          }
          const limited = checkOperation({ schema, document, operation, variables: request.variables }, limits);
          if (limited) throw withHttpStatus(limited, 400);
          const rateLimited = await rateLimit.consume(contextValue.caller, document, operation);
          if (rateLimited) {
            const seconds = Math.ceil(Number(rateLimited.extensions.retryAfterMs) / 1000);
            throw withHttpStatus(rateLimited, 429, new HeaderMap([['retry-after', String(seconds)]]));
          }
        },
      };
    },
  };
}

/** Apollo takes an error's HTTP status and headers from `extensions.http`, and strips it before the client sees it. */
function withHttpStatus(error: GraphQLError, status: number, headers?: HeaderMap): GraphQLError {
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status, ...(headers ? { headers } : {}) } } });
}
