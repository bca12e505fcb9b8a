import type { ApolloServer } from '@apollo/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { ApiToken } from '../config.js';
import type { Context, ServiceContext } from '../graphql/context.type.js';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from '../graphql/operation-limits.js';
import type { ServiceMetrics } from '../metrics.js';
import { wantsExplorer } from './graphql-explorer.route.js';
import { errorFormatter } from './graphql/error-responses.js';
import { apiTokenAuth } from './graphql/api-token-auth.js';
import { graphqlOverHttp } from './graphql/graphql-over-http.js';
import { ConnectionQuota, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './graphql/connection-quota.js';
import { DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionQuota, type SubscriptionLimits } from './graphql/subscription-quota.js';
import { graphqlOverWebSocket } from './graphql/graphql-over-websocket.js';
import { DEFAULT_WEBSOCKET_LIMITS, type WebSocketLimits } from './graphql/websocket-limits.js';
import { GRAPHQL_REQUEST_LIMIT_BYTES } from './message-limits.js';
import { MutationRateLimit } from './mutation-rate-limit.js';

export interface GraphQLRouteOptions {
  schema: GraphQLSchema;
  context: ServiceContext;
  /** Accepted bearer tokens and their scopes; empty leaves the API open (only allowed with the simulator). */
  apiTokens: readonly ApiToken[];
  /**
   * Whether introspection is answered, on both transports. On by default so tools can read the
   * schema; production turns it off (`GRAPHQL_INTROSPECTION`), and then "Did you mean …?" hints
   * are dropped from errors too, since they give the schema away just the same.
   */
  introspection?: boolean;
  /** Size and cost limits for every operation, on both transports; unset ones keep {@link DEFAULT_OPERATION_LIMITS}. */
  limits?: Partial<OperationLimits>;
  /**
   * Largest `POST /graphql` body in bytes: the document plus its variables. The document alone is
   * held to `limits.maxDocumentBytes`; this bounds the variables, so a request is refused while it
   * is still being received. Default 64 KiB.
   */
  bodyLimit?: number;
  /**
   * Mutations per minute per API token (per remote address when the API is open); 0 turns the
   * limit off. A {@link MutationRateLimit} can be passed instead, to keep the counts elsewhere.
   * Default 600.
   */
  mutationRateLimit?: number | MutationRateLimit;
  /** The GraphQL explorer page, served to a browser that opens `GET /graphql`; absent: no explorer. */
  explorerPage?: string;
  /** How many subscriptions may be open at once; unset ones keep {@link DEFAULT_SUBSCRIPTION_LIMITS}. */
  subscriptionLimits?: Partial<SubscriptionLimits>;
  /** How many WebSockets may be open at once per address and per token; unset ones keep {@link DEFAULT_CONNECTION_LIMITS}. */
  connectionLimits?: Partial<ConnectionLimits>;
  /** The WebSocket keep-alive and the bound on unsent data per socket; unset ones keep {@link DEFAULT_WEBSOCKET_LIMITS}. */
  webSocketLimits?: Partial<WebSocketLimits>;
  /** Counts open and refused subscriptions, and refused and too slow connections. */
  metrics?: Pick<ServiceMetrics, 'subscriptionStarted' | 'subscriptionEnded' | 'subscriptionRefused' | 'connectionRefused' | 'connectionTooSlow'>;
}

const GRAPHQL_PATH = '/graphql';


/**
 * GraphQL over HTTP (Apollo) and over WebSocket (graphql-ws) on one port and one path, with the
 * same schema, authentication, token scopes, operation limits, mutation rate limit and error
 * masking on both.
 *
 * Over HTTP a request is checked in the order that costs least first: the token before the body
 * is read, the document's size and tokens before it is parsed, its depth, aliases and cost once
 * it is validated, the rate limit last, so that a refused operation uses none of the allowance.
 */
export async function registerGraphQLRoute(app: FastifyInstance, options: GraphQLRouteOptions): Promise<ApolloServer<Context>> {
  const { schema, context, apiTokens, metrics } = options;
  const introspection = options.introspection ?? true;
  const limits: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, ...options.limits };
  const rateLimit =
    options.mutationRateLimit instanceof MutationRateLimit
      ? options.mutationRateLimit
      : new MutationRateLimit({ perMinute: options.mutationRateLimit ?? 600 });
  const bodyLimit = options.bodyLimit ?? GRAPHQL_REQUEST_LIMIT_BYTES;
  const formatError = errorFormatter(app.log, introspection);
  const explorerRequested = (request: FastifyRequest): boolean => options.explorerPage !== undefined && wantsExplorer(request);

  const auth = apiTokenAuth({ apiTokens, formatError, isExplorerPage: explorerRequested });
  const http = await graphqlOverHttp(app, { schema, context, introspection, limits, rateLimit, bodyLimit, formatError, callerOf: auth.callerOf });
  const quota = new SubscriptionQuota({ ...DEFAULT_SUBSCRIPTION_LIMITS, ...options.subscriptionLimits });
  const connections = new ConnectionQuota({ ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits });
  const socketLimits: WebSocketLimits = { ...DEFAULT_WEBSOCKET_LIMITS, ...options.webSocketLimits };
  const wsHandler = graphqlOverWebSocket({ schema, context, apiTokens, introspection, limits, rateLimit, quota, connections, socketLimits, metrics, formatError });

  // A WebSocket upgrade is a GET, so the GET route carries both handlers (and the explorer).
  app.route({
    method: 'GET',
    url: GRAPHQL_PATH,
    onRequest: auth.onRequest,
    preHandler: http.preHandler,
    errorHandler: http.errorHandler,
    handler: (request, reply) =>
      explorerRequested(request)
        ? reply.type('text/html; charset=utf-8').send(options.explorerPage)
        : http.handler.call(app, request as Parameters<typeof http.handler>[0], reply as Parameters<typeof http.handler>[1]),
    wsHandler,
  });
  app.route({
    method: ['POST', 'OPTIONS'],
    url: GRAPHQL_PATH,
    bodyLimit,
    onRequest: auth.onRequest,
    preHandler: http.preHandler,
    errorHandler: http.errorHandler,
    handler: http.handler,
  });
  return http.apollo;
}
