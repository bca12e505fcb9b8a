import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiToken } from '../../config.js';
import type { Caller } from '../../graphql/context.type.js';
import { identifyCaller } from '../caller.js';
import { bearerToken } from '../credentials.js';
import { sendErrors, unauthenticated, type FormatError } from './error-responses.js';

export interface ApiTokenAuthOptions {
  apiTokens: readonly ApiToken[];
  formatError: FormatError;
  /** Whether the request opens the explorer page, which holds nothing and asks for the token itself. */
  isExplorerPage: (request: FastifyRequest) => boolean;
}

interface ApiTokenAuth {
  /** The `onRequest` hook: refuses with 401 before the body is read a request it cannot identify. */
  onRequest: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** The caller `onRequest` identified the request as, if it did. */
  callerOf: (request: FastifyRequest) => Caller | undefined;
}

/** Who calls `/graphql` over HTTP, from the `Authorization: Bearer` token and the remote address. */
export function apiTokenAuth(options: ApiTokenAuthOptions): ApiTokenAuth {
  const { apiTokens, formatError, isExplorerPage } = options;
  const callers = new WeakMap<object, Caller>();
  return {
    onRequest: async (request, reply) => {
      // A WebSocket client authenticates with its connectionParams instead (graphql-over-websocket.ts);
      // the explorer page holds nothing and asks for the token itself.
      if (request.ws || request.method === 'OPTIONS' || isExplorerPage(request)) return undefined;
      const caller = identifyCaller(bearerToken(request.headers.authorization), request.ip, apiTokens);
      if (!caller) {
        const error = unauthenticated();
        return sendErrors(reply.header('www-authenticate', 'Bearer'), 401, [formatError(error.toJSON())]);
      }
      callers.set(request, caller);
      return undefined;
    },
    callerOf: (request) => callers.get(request),
  };
}
