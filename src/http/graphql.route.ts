import { ApolloServer } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance } from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import type { Context } from '../graphql/context.type.js';
import { maskError } from '../graphql/errors.js';
import { bearerToken, tokenAllowed } from './credentials.js';

export interface GraphQLRouteOptions {
  schema: GraphQLSchema;
  context: Context;
  /** Accepted bearer tokens; empty leaves the API open (only allowed with the simulator). */
  apiTokens: readonly string[];
  /** Apollo's introspection; on by default so tools can read the schema. */
  introspection?: boolean;
}

export const GRAPHQL_PATH = '/graphql';

/**
 * GraphQL over HTTP (Apollo) and over WebSocket (graphql-ws) on one port and one path, with the
 * same schema, context, token check and error masking on both.
 */
export async function registerGraphQLRoute(app: FastifyInstance, options: GraphQLRouteOptions): Promise<ApolloServer<Context>> {
  const { schema, context, apiTokens } = options;
  const authRequired = apiTokens.length > 0;

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: options.introspection ?? true,
    formatError: (formatted) => maskError(formatted),
    plugins: [fastifyApolloDrainPlugin(app)],
  });
  await apollo.start();

  const httpHandler = fastifyApolloHandler(apollo, {
    context: async (request) => {
      if (authRequired && !tokenAllowed(bearerToken(request.headers.authorization), apiTokens)) {
        throw new GraphQLError('A valid API token is required: send Authorization: Bearer <token>', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return context;
    },
  });

  const wsHandler = makeHandler<Record<string, unknown>>({
    schema,
    context: () => context,
    // Returning false closes the socket with 4403 before any operation runs.
    onConnect: ({ connectionParams }) =>
      !authRequired || tokenAllowed(bearerToken(connectionParams?.authorization) ?? stringOrUndefined(connectionParams?.token), apiTokens),
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors ? { ...result, errors: result.errors.map((error) => maskError(error.toJSON())) } : result,
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => maskError(error.toJSON())),
  });

  // A WebSocket upgrade is a GET, so the GET route carries both handlers.
  app.route({ method: 'GET', url: GRAPHQL_PATH, handler: httpHandler, wsHandler });
  app.route({ method: ['POST', 'OPTIONS'], url: GRAPHQL_PATH, handler: httpHandler });
  return apollo;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
