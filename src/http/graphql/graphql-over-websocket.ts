import {
  getOperationAST,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  type ExecutionArgs,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { WebsocketHandler } from '@fastify/websocket';
import type { ServerOptions } from 'graphql-ws';
import { makeHandler, type Extra } from 'graphql-ws/use/@fastify/websocket';
import type { ApiToken } from '../../config.js';
import type { Caller, Context, ServiceContext } from '../../graphql/context.type.js';
import { DocumentCache } from '../../graphql/document-cache.js';
import { checkDocumentText, checkOperation, type OperationLimits } from '../../graphql/operation-limits.js';
import { documentIds, sharedSubscribe, stableJson } from '../../graphql/shared-subscribe.js';
import { TOO_MANY_CONNECTIONS_CLOSE_CODE, type ConnectionQuota } from './connection-quota.js';
import type { SubscriptionLimitName, SubscriptionQuota } from './subscription-quota.js';
import { TOO_SLOW_CLOSE_CODE, type WebSocketLimits } from './websocket-limits.js';
import type { ServiceMetrics } from '../../metrics.js';
import { identifyCaller } from '../caller.js';
import { bearerToken } from '../credentials.js';
import type { MutationRateLimit } from '../mutation-rate-limit.js';
import { unauthenticated, type FormatError } from './error-responses.js';
import { ErrorCode } from '../../graphql/error-codes.js';

export interface GraphQLWsOptions {
  schema: GraphQLSchema;
  context: ServiceContext;
  apiTokens: readonly ApiToken[];
  introspection: boolean;
  limits: OperationLimits;
  rateLimit: MutationRateLimit;
  /** Grants each subscription a slot, or refuses it with `TOO_MANY_SUBSCRIPTIONS`. */
  quota: SubscriptionQuota;
  /** Grants each socket a slot per address and per caller, or closes it with {@link TOO_MANY_CONNECTIONS_CLOSE_CODE}. */
  connections: ConnectionQuota;
  /** The keep-alive ping, and the unsent data past which a socket is closed as too slow. */
  socketLimits: WebSocketLimits;
  metrics?: Pick<ServiceMetrics, 'subscriptionStarted' | 'subscriptionEnded' | 'subscriptionRefused' | 'connectionRefused' | 'connectionTooSlow'>;
  formatError: FormatError;
}

/**
 * GraphQL over WebSocket (graphql-ws): the route's `wsHandler`. A socket authenticates once, with
 * its connectionParams; each operation then goes through the checks Apollo makes over HTTP.
 */
export function graphqlOverWebSocket(options: GraphQLWsOptions): WebsocketHandler {
  const { schema, apiTokens, introspection, limits, rateLimit, quota, connections, socketLimits, formatError } = options;
  const wsCallers = new WeakMap<object, Caller>();
  const validationRules = introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  const documents = new DocumentCache(schema, validationRules, { maxTokens: limits.maxTokens });
  // Subscriptions counted as open: per socket, operation id → the field subscribed to and its slot.
  const openSubscriptions = new WeakMap<object, Map<string, { field: string; release: () => void }>>();
  const documentId = documentIds();
  const hooks: ServerOptions<Record<string, unknown>, Extra> = {
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
      const release = connections.admitCaller(caller.id);
      if (!release) {
        options.metrics?.connectionRefused('token');
        // Sent first, so this is the close the client sees rather than the 4403 that follows.
        ctx.extra.socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, 'Too many connections for this API token');
        return false;
      }
      ctx.extra.socket.once('close', release);
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
        const code = parsed.stage === 'parse' ? ErrorCode.GRAPHQL_PARSE_FAILED : ErrorCode.GRAPHQL_VALIDATION_FAILED;
        return parsed.errors.map((error) => coded(error, code));
      }
      const { document } = parsed;
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) {
        const message = payload.operationName ? `Unknown operation named "${payload.operationName}"` : 'Unable to identify the operation to run';
        return [new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } })];
      }
      const limited = checkOperation({ schema, document, operation, variables: payload.variables }, limits);
      if (limited) return [limited];
      const rateLimited = await rateLimit.consume(caller, document, operation);
      if (rateLimited) return [rateLimited];
      if (operation.operation === 'subscription') {
        const onConnection = (): number => openSubscriptions.get(ctx)?.size ?? 0;
        let slot = quota.take(caller.id, onConnection());
        // A subscription the client completed just before this message frees its slot a few promise
        // steps after its `complete` arrived: let those settle before refusing.
        if (!slot.granted) {
          await new Promise((resolve) => setImmediate(resolve));
          slot = quota.take(caller.id, onConnection());
        }
        if (!slot.granted) {
          options.metrics?.subscriptionRefused(slot.limit);
          return [tooManySubscriptions(slot.limit, slot.max)];
        }
        const field = subscriptionField(operation);
        let open = openSubscriptions.get(ctx);
        if (!open) openSubscriptions.set(ctx, (open = new Map()));
        open.set(id, { field, release: slot.release });
        options.metrics?.subscriptionStarted(field);
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
      const subscription = open?.get(id);
      if (subscription === undefined) return;
      open!.delete(id);
      subscription.release();
      options.metrics?.subscriptionEnded(subscription.field);
    },
    onNext: (ctx, _id, _payload, _args, result) => {
      const { socket } = ctx.extra;
      // Checked as each message goes out, which is when what waits for a slow reader grows.
      if (socket.bufferedAmount > socketLimits.maxBufferedBytes && socket.readyState === socket.OPEN) {
        options.metrics?.connectionTooSlow();
        socket.close(TOO_SLOW_CLOSE_CODE, `Too slow: over ${socketLimits.maxBufferedBytes} bytes unread; resume with afterSequence`);
      }
      return result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : result;
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
  };
  // graphql-ws's keep-alive: a ping each interval, and a socket cut that does not answer within it.
  const handler = makeHandler<Record<string, unknown>>(hooks, socketLimits.pingIntervalMs);
  return function handleSocket(this: ThisParameterType<WebsocketHandler>, socket, request) {
    // Counted from the upgrade, before the client says who it is: a flood of sockets that never
    // authenticate is bounded too.
    const release = connections.admitAddress(request.ip);
    if (!release) {
      options.metrics?.connectionRefused('address');
      socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, 'Too many connections from this address');
      return;
    }
    socket.once('close', release);
    const before = new Set(socket.listeners('error'));
    const handled = handler.call(this, socket, request);
    // graphql-ws reports a socket's error with console.error and a stack, then closes it with 1011;
    // such errors are the client's (a message over the limit: ws closes with 1009), and the
    // websocket plugin's errorHandler logs them once, at warn, in the service's log.
    for (const listener of socket.listeners('error')) if (!before.has(listener)) socket.removeListener('error', listener as (error: Error) => void);
    return handled;
  };
}

const LIMIT_WORDS: Record<SubscriptionLimitName, string> = { connection: 'this connection', token: 'this API token', instance: 'this server' };

/** The refusal of a subscription over a limit: the socket stays open, and ending another frees a slot. */
function tooManySubscriptions(limit: SubscriptionLimitName, max: number): GraphQLError {
  return new GraphQLError(`Too many subscriptions: ${max} are open on ${LIMIT_WORDS[limit]}; complete one before starting another`, {
    extensions: { code: ErrorCode.TOO_MANY_SUBSCRIPTIONS, limit, max },
  });
}

/** The root field a subscription operation subscribes to (a subscription has exactly one). */
function subscriptionField(operation: OperationDefinitionNode): string {
  const [first] = operation.selectionSet.selections;
  return first?.kind === Kind.FIELD ? first.name.value : 'unknown';
}

/** graphql-js's parse and validation errors carry no code; Apollo gives them these, and so do we. */
function coded(error: unknown, code: string): GraphQLError {
  if (!(error instanceof GraphQLError)) throw error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
