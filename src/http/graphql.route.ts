import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import type { ApiToken } from '../config.js';
import type { Caller, Context, ServiceContext } from '../graphql/context.type.js';
import { DocumentCache } from '../graphql/document-cache.js';
import { documentIds, sharedSubscribe, stableJson } from '../graphql/shared-subscribe.js';
import { maskError, withoutSchemaHints } from '../graphql/errors.js';
import { checkDocumentText, checkOperation, DEFAULT_OPERATION_LIMITS, OperationLimitCode, type OperationLimits } from '../graphql/operation-limits.js';
import type { ServiceMetrics } from '../metrics.js';
import { identifyCaller } from './caller.js';
import { wantsExplorer } from './graphql-explorer.route.js';
import { bearerToken } from './credentials.js';
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
  /** Counts open subscriptions by field. */
  metrics?: Pick<ServiceMetrics, 'subscriptionStarted' | 'subscriptionEnded'>;
}

export const GRAPHQL_PATH = '/graphql';

const DEFAULT_BODY_LIMIT = 64 * 1024;

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
  const { schema, apiTokens } = options;
  const introspection = options.introspection ?? true;
  const limits: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, ...options.limits };
  const rateLimit =
    options.mutationRateLimit instanceof MutationRateLimit
      ? options.mutationRateLimit
      : new MutationRateLimit({ perMinute: options.mutationRateLimit ?? 600 });
  const formatError = (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const masked = maskError(formatted);
    // What the client is not told goes to the log, where whoever runs the service can read it.
    if (masked.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      app.log.error({ err: unwrapResolverError(error), path: formatted.path }, 'GraphQL operation failed unexpectedly');
    }
    return introspection ? masked : withoutSchemaHints(masked);
  };

  const apollo = new ApolloServer<Context>({
    schema,
    // Schema hints in error messages are dropped by formatError, on both transports alike.
    introspection,
    // Apollo's default, stated because it matters: a request a browser would send cross-site
    // without a preflight (a GET, or a POST that is not JSON) needs a header only scripts can set.
    csrfPrevention: true,
    // The document's tokens are counted before Apollo sees it; this keeps the parser to the same limit regardless.
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: (formatted, error) => formatError(formatted, error),
    // Apollo's landing page loads from the internet; the explorer (or nothing) takes its place.
    plugins: [fastifyApolloDrainPlugin(app), operationGuard(limits, rateLimit), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const callers = new WeakMap<object, Caller>();

  const httpHandler = fastifyApolloHandler(apollo, {
    context: async (request) => {
      const caller = callers.get(request);
      // The onRequest hook has refused every request it could not identify; this is a backstop.
      if (!caller) throw unauthenticated();
      return { ...options.context, caller };
    },
  });

  const authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    // A WebSocket client authenticates with its connectionParams, in onConnect below; the
    // explorer page holds nothing and asks for the token itself.
    if (request.ws || request.method === 'OPTIONS' || explorerRequested(request)) return undefined;
    const caller = identifyCaller(bearerToken(request.headers.authorization), request.ip, apiTokens);
    if (!caller) {
      const error = unauthenticated();
      return sendErrors(reply.header('www-authenticate', 'Bearer'), 401, [formatError(error.toJSON())]);
    }
    callers.set(request, caller);
    return undefined;
  };

  const limitDocumentText = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const query = documentTextOf(request);
    const refusal = query === undefined ? undefined : checkDocumentText(query, limits);
    return refusal ? sendErrors(reply, 400, [formatError(refusal.toJSON())]) : undefined;
  };

  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  // Fastify refuses some requests before Apollo sees them (a body too large, not JSON, or JSON
  // that is not valid); GraphQL clients get those refusals in the shape they read every other in.
  const requestErrors = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const status = error.statusCode ?? 500;
    // A failure of the server's own goes on to the app's error handler, which logs it.
    if (status < 400 || status >= 500) throw error;
    const refusal =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new GraphQLError(`The request body is larger than ${bodyLimit} bytes`, {
            extensions: { code: OperationLimitCode.DOCUMENT_TOO_LARGE, limit: bodyLimit },
          })
        : new GraphQLError(error.message, { extensions: { code: 'BAD_REQUEST' } });
    return sendErrors(reply, status, [formatError(refusal.toJSON())]);
  };

  const wsCallers = new WeakMap<object, Caller>();
  const validationRules = introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  const documents = new DocumentCache(schema, validationRules, { maxTokens: limits.maxTokens });
  // Subscriptions counted as open: per socket, operation id → the field subscribed to.
  const openSubscriptions = new WeakMap<object, Map<string, string>>();
  const documentId = documentIds();
  const wsHandler = makeHandler<Record<string, unknown>>({
    // Subscribers that sent the same document with the same variables and scope share one
    // execution per event; resolvers read nothing else of the context.
    subscribe: sharedSubscribe(
      (args) =>
        `${documentId(args.document)}|${args.operationName ?? ''}|${(args.contextValue as Context).caller.scope}|${stableJson(args.variableValues ?? {})}`,
    ),
    // Returning false closes the socket with 4403 before any operation runs.
    onConnect: (ctx) => {
      const { connectionParams } = ctx;
      const token = bearerToken(connectionParams?.authorization) ?? stringOrUndefined(connectionParams?.token);
      const caller = identifyCaller(token, ctx.extra.request.ip, apiTokens);
      if (!caller) return false;
      wsCallers.set(ctx, caller);
      return true;
    },
    // Everything Apollo does over HTTP, in the same order; errors returned here go to this one
    // subscription as an `error` message and leave the socket open for the next.
    onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
      const caller = wsCallers.get(ctx);
      if (!caller) return [unauthenticated()];
      const textRefusal = checkDocumentText(payload.query, limits);
      if (textRefusal) return [textRefusal];
      const parsed = documents.get(payload.query);
      if ('errors' in parsed) {
        const code = parsed.stage === 'parse' ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED';
        return parsed.errors.map((error) => coded(error, code));
      }
      const { document } = parsed;
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) {
        const message = payload.operationName ? `Unknown operation named "${payload.operationName}"` : 'Unable to identify the operation to run';
        return [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
      }
      const limited = checkOperation({ schema, document, operation, variables: payload.variables }, limits);
      if (limited) return [limited];
      const rateLimited = await rateLimit.consume(caller, document, operation);
      if (rateLimited) return [rateLimited];
      if (operation.operation === 'subscription' && options.metrics) {
        const field = subscriptionField(operation);
        let open = openSubscriptions.get(ctx);
        if (!open) openSubscriptions.set(ctx, (open = new Map()));
        open.set(id, field);
        options.metrics.subscriptionStarted(field);
      }
      return {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: { ...options.context, caller } satisfies Context,
      };
    },
    // Called when a subscription ends for any reason: completed, cancelled, or its socket closed.
    onComplete: (ctx, id) => {
      const open = openSubscriptions.get(ctx);
      const field = open?.get(id);
      if (field === undefined) return;
      open!.delete(id);
      options.metrics?.subscriptionEnded(field);
    },
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : result,
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
  });

  const explorerRequested = (request: FastifyRequest): boolean => options.explorerPage !== undefined && wantsExplorer(request);
  // A WebSocket upgrade is a GET, so the GET route carries both handlers (and the explorer).
  app.route({
    method: 'GET',
    url: GRAPHQL_PATH,
    onRequest: authenticate,
    preHandler: limitDocumentText,
    errorHandler: requestErrors,
    handler: (request, reply) =>
      explorerRequested(request)
        ? reply.type('text/html; charset=utf-8').send(options.explorerPage)
        : httpHandler.call(app, request as Parameters<typeof httpHandler>[0], reply as Parameters<typeof httpHandler>[1]),
    wsHandler,
  });
  app.route({
    method: ['POST', 'OPTIONS'],
    url: GRAPHQL_PATH,
    bodyLimit,
    onRequest: authenticate,
    preHandler: limitDocumentText,
    errorHandler: requestErrors,
    handler: httpHandler,
  });
  return apollo;
}

/**
 * The checks that need the parsed operation, in Apollo's `didResolveOperation` (after validation,
 * before execution): subscriptions, which only WebSocket serves (400), its depth, aliases and
 * cost (400), then the mutation rate limit (429 with `Retry-After`).
 */
function operationGuard(limits: OperationLimits, rateLimit: MutationRateLimit): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          // No operation to run: execution answers that, with its own error.
          if (!operation) return;
          // Apollo would run a subscription's resolvers once, with no event, and fail inside them.
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) on this same path, not over HTTP', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
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

/** The root field a subscription operation subscribes to (a subscription has exactly one). */
function subscriptionField(operation: OperationDefinitionNode): string {
  const [first] = operation.selectionSet.selections;
  return first?.kind === Kind.FIELD ? first.name.value : 'unknown';
}

/** The `query` of a GET's query string or of a POST's JSON body, when it is text. */
function documentTextOf(request: FastifyRequest): string | undefined {
  const source: unknown = request.method === 'GET' ? request.query : request.body;
  const query = typeof source === 'object' && source !== null && !Array.isArray(source) ? (source as Record<string, unknown>).query : undefined;
  return typeof query === 'string' ? query : undefined;
}

/** A GraphQL-shaped error response sent before Apollo is reached, as Apollo would have sent it. */
function sendErrors(reply: FastifyReply, status: number, errors: GraphQLFormattedError[]): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ errors });
}

/** Apollo takes an error's HTTP status and headers from `extensions.http`, and strips it before the client sees it. */
function withHttpStatus(error: GraphQLError, status: number, headers?: HeaderMap): GraphQLError {
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status, ...(headers ? { headers } : {}) } } });
}

function unauthenticated(): GraphQLError {
  return new GraphQLError('A valid API token is required: send Authorization: Bearer <token>', {
    extensions: { code: 'UNAUTHENTICATED' },
  });
}

/** graphql-js's parse and validation errors carry no code; Apollo gives them these, and so do we. */
function coded(error: unknown, code: string): GraphQLError {
  if (!(error instanceof GraphQLError)) throw error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
