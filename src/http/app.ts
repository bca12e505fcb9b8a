import websocket from '@fastify/websocket';
import { STATUS_CODES } from 'node:http';
import { fastify, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../calls/call-store.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { GRAPHQL_REQUEST_LIMIT_BYTES } from './message-limits.js';
import { DEFAULT_HTTP_LIMITS, timeoutCheckIntervalMs, type HttpLimits } from './http-limits.js';
import { PathOnlyLogController, pathOf } from './request-log.js';

/** How long a shutting-down server waits for clients to answer its close frames. */
const CLOSE_HANDSHAKE_MS = 2000;

/**
 * On shutdown, closes every WebSocket with 1001 (going away), so clients know to reconnect —
 * to this instance once it is back, or to another — and resume from the last sequence they saw.
 */
function closeSocketsGoingAway(this: FastifyInstance, done: () => void): void {
  const clients = [...this.websocketServer.clients];
  const closed = clients.map(
    (client) => new Promise<void>((resolve) => (client.readyState === client.CLOSED ? resolve() : client.once('close', () => resolve()))),
  );
  for (const client of clients) client.close(1001, 'server shutting down');
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_HANDSHAKE_MS).unref());
  void Promise.race([Promise.all(closed), deadline]).then(() => {
    for (const client of clients) client.terminate();
    this.websocketServer.close();
    done();
  });
}

/**
 * The Fastify instance every route hangs off. The logger is the service's own, so request logs
 * and domain logs share redaction and level. `limits` bound how long and how many clients are
 * served (see {@link HttpLimits}); unset ones keep {@link DEFAULT_HTTP_LIMITS}. `trustProxy` says
 * which proxies' `X-Forwarded-For` is believed for the client's address (default: none).
 */
export async function createHttpApp(logger: Logger, httpLimits: Partial<HttpLimits> = {}, trustProxy: boolean | string[] = false): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...httpLimits };
  const app = fastify({
    loggerInstance: logger,
    // Whose X-Forwarded-For names the client (request.ip): only the proxies the operator names.
    trustProxy,
    // Bandwidth and load balancers keep connections open; do not let a slow client hold one forever.
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Handed to http.createServer: these two only exist there.
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: timeoutCheckIntervalMs(limits) },
    return503OnClosing: true,
    // A webhook field of the wrong type is a malformed event, not something to coerce into shape.
    ajv: { customOptions: { coerceTypes: false } },
    logController: new PathOnlyLogController(),
  }) as unknown as FastifyInstance;
  // Bandwidth posts JSON and GraphQL clients post JSON: anything else is refused with 415.
  app.removeContentTypeParser('text/plain');
  boundJsonDepth(app);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `Route ${request.method}:${pathOf(request.url)} not found` }),
  );
  app.setErrorHandler(answerErrors);
  await app.register(websocket, {
    // A WebSocket message is held to what an HTTP body is: one limit, whichever way a request comes.
    options: { maxPayload: GRAPHQL_REQUEST_LIMIT_BYTES },
    preClose: closeSocketsGoingAway,
    errorHandler: logSocketError,
  });
  app.server.maxConnections = limits.maxConnections;
  return app;
}

/** Refuses JSON bodies nested deeper than {@link MAX_JSON_DEPTH} with 400, after Fastify's own (safe) parse. */
function boundJsonDepth(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
        return done(Object.assign(new Error(`JSON body nests deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400 }), undefined);
      }
      done(null, value);
    });
  });
}

/**
 * An error on an open WebSocket is its client's doing (a message over the limit, a malformed
 * frame, a connection reset), and `ws` has already begun closing the socket with the matching
 * code (1009, 1002, …). One `warn` line without a stack: `ws` emits one error per socket.
 */
function logSocketError(error: Error, _socket: unknown, request: FastifyRequest): void {
  request.log.warn({ error: { message: error.message, code: (error as NodeJS.ErrnoException).code } }, 'websocket closed on a client error');
}

/**
 * Fastify's refusals (a body too large, not JSON, failing a schema) keep their status, code and
 * message; anything else is a 500 whose message stays in the log, since it may name internals.
 */
function answerErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // Nothing of the request was kept: 503 tells Bandwidth (and a load balancer) to try again later.
  if (error instanceof StoreUnavailableError) {
    request.log.warn({ reason: error.reason }, 'storage unavailable');
    return reply.code(503).send({ statusCode: 503, error: STATUS_CODES[503], message: 'storage unavailable' });
  }
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) {
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ statusCode: 500, error: STATUS_CODES[500], message: 'Internal Server Error' });
  }
  return reply.code(status).send({ statusCode: status, ...(error.code ? { code: error.code } : {}), error: STATUS_CODES[status], message: error.message });
}

/**
 * Stops the server the way a load balancer expects: no new requests (503 while closing), requests
 * in flight finish, and keep-alive connections close as soon as they fall idle — a webhook that was
 * in flight when the shutdown began leaves its connection open afterwards, and Node's `close()`
 * would otherwise wait for the client to drop it. After `timeoutMs` every connection is cut.
 */
export async function closeGracefully(app: FastifyInstance, timeoutMs: number): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  const deadline = setTimeout(() => app.server.closeAllConnections(), timeoutMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
