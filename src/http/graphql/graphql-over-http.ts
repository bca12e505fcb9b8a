import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteHandlerMethod,
} from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Caller, Context, ServiceContext } from '../../graphql/context.type.js';
import { checkDocumentText, type OperationLimits } from '../../graphql/operation-limits.js';
import type { MutationRateLimit } from '../mutation-rate-limit.js';
import { sendErrors, unauthenticated, type FormatError } from './error-responses.js';
import { operationGuard } from './operation-guard.js';
import { ErrorCode } from '../../graphql/error-codes.js';

export interface GraphQLOverHttpOptions {
  schema: GraphQLSchema;
  context: ServiceContext;
  introspection: boolean;
  limits: OperationLimits;
  rateLimit: MutationRateLimit;
  /** The route's body limit, named in the error a larger body is refused with. */
  bodyLimit: number;
  formatError: FormatError;
  /** The caller the route's authentication identified the request as. */
  callerOf: (request: FastifyRequest) => Caller | undefined;
}

interface GraphQLOverHttp {
  apollo: ApolloServer<Context>;
  /** The route handler that hands the request to Apollo. */
  handler: RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, { Reply: string }>;
  /** Refuses a document too large or with too many tokens before Apollo parses it. */
  preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** Answers what Fastify refuses before Apollo sees it (body too large, not JSON) as GraphQL errors. */
  errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

/** Apollo on Fastify, started, with the route parts that serve it: GraphQL over HTTP. */
export async function graphqlOverHttp(app: FastifyInstance, options: GraphQLOverHttpOptions): Promise<GraphQLOverHttp> {
  const { schema, introspection, limits, rateLimit, bodyLimit, formatError, callerOf } = options;
  const apollo = new ApolloServer<Context>({
    schema,
    // Schema hints in error messages are dropped by formatError, on both transports alike.
    introspection,
    // Apollo's default, stated because it matters: a request a browser would send cross-site
    // without a preflight (a GET, or a POST that is not JSON) needs a header only scripts can set.
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM and drains everything in order; Apollo's own handlers (outside
    // NODE_ENV=test) would stop GraphQL on their own, and pile up with every server started.
    stopOnTerminationSignals: false,
    // The document's tokens are counted before Apollo sees it; this keeps the parser to the same limit regardless.
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: (formatted, error) => formatError(formatted, error),
    // Apollo's landing page loads from the internet; the explorer (or nothing) takes its place.
    plugins: [fastifyApolloDrainPlugin(app), operationGuard(limits, rateLimit), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const handler = fastifyApolloHandler(apollo, {
    context: async (request) => {
      const caller = callerOf(request);
      // The onRequest hook has refused every request it could not identify; this is a backstop.
      if (!caller) throw unauthenticated();
      return { ...options.context, caller };
    },
  });

  const preHandler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const query = documentTextOf(request);
    const refusal = query === undefined ? undefined : checkDocumentText(query, limits);
    return refusal ? sendErrors(reply, 400, [formatError(refusal.toJSON())]) : undefined;
  };

  // Fastify refuses some requests before Apollo sees them (a body too large, not JSON, or JSON
  // that is not valid); GraphQL clients get those refusals in the shape they read every other in.
  const errorHandler = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const status = error.statusCode ?? 500;
    // A failure of the server's own goes on to the app's error handler, which logs it.
    if (status < 400 || status >= 500) throw error;
    const refusal =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new GraphQLError(`The request body is larger than ${bodyLimit} bytes`, {
            extensions: { code: ErrorCode.DOCUMENT_TOO_LARGE, limit: bodyLimit },
          })
        : new GraphQLError(error.message, { extensions: { code: ErrorCode.BAD_REQUEST } });
    return sendErrors(reply, status, [formatError(refusal.toJSON())]);
  };

  return { apollo, handler, preHandler, errorHandler };
}

/** The `query` of a GET's query string or of a POST's JSON body, when it is text. */
function documentTextOf(request: FastifyRequest): string | undefined {
  const source: unknown = request.method === 'GET' ? request.query : request.body;
  const query = typeof source === 'object' && source !== null && !Array.isArray(source) ? (source as Record<string, unknown>).query : undefined;
  return typeof query === 'string' ? query : undefined;
}
